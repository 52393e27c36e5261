"""Late feeds: for each contract, is the most recent period whose deadline has passed delivered? Each feed that
is not raises a ``late_feed`` alert (``outcomes.alerts``). Run daily by the ``late_feeds`` DAG."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import Any

from config.contracts import load_contracts
from config.settings import Settings, get_settings
from lake.ledger import read_entries
from outcomes.alerts import record_alert


def period_containing(day: date, frequency: str) -> tuple[date, date]:
    """First and last day (inclusive) of the delivery period of ``frequency`` that contains ``day``."""
    if frequency == "daily":
        return day, day
    if frequency == "weekly":  # ISO weeks, Monday to Sunday
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if frequency == "monthly":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if frequency == "quarterly":
        first_month = 3 * ((day.month - 1) // 3) + 1
        last_month = first_month + 2
        return (
            date(day.year, first_month, 1),
            date(day.year, last_month, calendar.monthrange(day.year, last_month)[1]),
        )
    if frequency == "annual":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    raise ValueError(f"unknown cadence frequency {frequency!r}")


def latest_due_period(frequency: str, deadline_days: int, today: date) -> tuple[date, date]:
    """The most recent period whose deadline (last day + ``deadline_days``) is already past on ``today``."""
    last_end = today - timedelta(days=deadline_days + 1)  # a period ending on or before this is overdue today
    start, end = period_containing(last_end, frequency)
    if end > last_end:
        start, end = period_containing(start - timedelta(days=1), frequency)
    return start, end


def _as_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _covers(row: dict[str, Any], start: date, end: date) -> bool:
    declared = _as_date(row.get("declared_period"))
    if declared is not None:
        return start <= declared <= end
    first = _as_date(row.get("period_start"))
    last = _as_date(row.get("period_end")) or first
    return first is not None and last is not None and first <= end and last >= start


def check_late_feeds(
    settings: Settings | None = None, today: date | None = None, *, alert: bool = True
) -> list[dict[str, Any]]:
    """For each contract, is its most recent overdue period delivered? Records an alert for each that is not.

    A period counts as delivered when the ledger holds a loaded delivery of the feed (current or since superseded)
    whose declared period lies in it (or, for a ledger row written before periods were declared, whose rows'
    period_start..period_end overlaps it). Returns one dict per late feed.
    """
    settings = settings or get_settings()
    today = today or datetime.now(UTC).date()
    rows = read_entries(settings)
    late = []
    for contract in load_contracts(settings.contracts_dir):
        start, end = latest_due_period(contract.cadence.frequency, contract.cadence.deadline_days, today)
        delivered = [
            r
            for r in rows
            if r.get("feed_id") == contract.feed_id
            and r.get("status") == "loaded"
            and _covers(r, start, end)
        ]
        if delivered:
            continue
        deadline = end + timedelta(days=contract.cadence.deadline_days)
        finding = {
            "feed_id": contract.feed_id,
            "title": contract.title,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "deadline": deadline.isoformat(),
        }
        late.append(finding)
        if alert:
            reason = (
                f"{contract.feed_id} ({contract.title}): nothing loaded for the {contract.cadence.frequency} "
                f"period {start}..{end}; it was due by {deadline} ({contract.cadence.deadline_days} days after "
                f"the period ended)"
            )
            record_alert("late_feed", "late_feeds", "check_deadlines", reason, settings=settings, details=finding)
    return late
