"""Late feeds: for each contract, is the most recent period whose deadline has passed delivered? Each feed that
is not raises a ``late_feed`` alert (``outcomes.alerts``). Run daily by the ``late_feeds`` DAG."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import Any

from config import names
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


def data_clock(settings: Settings, rows: list[dict[str, Any]]) -> tuple[date, str]:
    """The day deadlines are judged on, and where it comes from: ``OUTCOMES_AS_OF`` (a date, or ``data``: the day
    after the newest period loaded, so a replay of history is judged by its own time), else today (UTC)."""
    if settings.as_of == "data":
        ends = [d for r in rows if r.get("status") == "loaded" and (d := _as_date(r.get("period_end")))]
        if ends:
            return max(ends) + timedelta(days=1), "OUTCOMES_AS_OF=data: the day after the newest period loaded"
    elif settings.as_of:
        return date.fromisoformat(settings.as_of), "OUTCOMES_AS_OF"
    return datetime.now(UTC).date(), "today"


def _previous(start: date, frequency: str) -> tuple[date, date]:
    return period_containing(start - timedelta(days=1), frequency)


def missing_periods(delivered: list[dict[str, Any]], start: date, end: date, frequency: str) -> tuple[int, date]:
    """How many periods in a row, back from the overdue one (``start..end``), have no loaded delivery (at least
    1), and the first day of the earliest of them. The walk stops at the newest delivered period."""
    newest = max(filter(None, (_as_date(r.get("declared_period")) or _as_date(r.get("period_end"))
                               for r in delivered)), default=None)
    missing, first = 0, start
    while newest is not None and end >= newest and not any(_covers(r, start, end) for r in delivered):
        missing, first = missing + 1, start
        start, end = _previous(start, frequency)
    return max(missing, 1), first


def check_late_feeds(
    settings: Settings | None = None, today: date | None = None, *, alert: bool = True
) -> list[dict[str, Any]]:
    """For each contract, is its most recent overdue period delivered? Records an alert for each that is not.

    A period counts as delivered when the ledger holds a loaded delivery of the feed (current or since superseded)
    whose declared period lies in it (or, for a ledger row written before periods were declared, whose rows'
    period_start..period_end overlaps it). ``today`` defaults to the data's clock (:func:`data_clock`).

    Real lateness stands out from a backlog: a feed whose only missing period is the one just overdue raises a
    ``late_feed`` alert; a feed missing several periods in a row (or that never delivered) raises one
    ``feed_backlog`` alert saying how many and since when. Returns one dict per feed that is late either way.
    """
    settings = settings or get_settings()
    rows = read_entries(settings)
    clock = (today, "given") if today else data_clock(settings, rows)
    late = []
    for contract in load_contracts(settings.contracts_dir):
        frequency, deadline_days = contract.cadence.frequency, contract.cadence.deadline_days
        start, end = latest_due_period(frequency, deadline_days, clock[0])
        delivered = [r for r in rows if r.get("feed_id") == contract.feed_id and r.get("status") == "loaded"]
        if any(_covers(r, start, end) for r in delivered):
            continue
        missing, first = missing_periods(delivered, start, end, frequency)
        deadline = end + timedelta(days=deadline_days)
        finding = {
            "feed_id": contract.feed_id,
            "title": contract.title,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "deadline": deadline.isoformat(),
            "kind": "late_feed" if missing == 1 and delivered else "feed_backlog",
            "missing_periods": missing if delivered else None,
            "missing_from": first.isoformat(),
            "as_of": clock[0].isoformat(),
        }
        late.append(finding)
        if alert:
            record_alert(finding["kind"], names.LATE_FEEDS_DAG, "check_deadlines", _reason(contract, finding, clock),
                         settings=settings, details=finding)
    return late


def _reason(contract: Any, finding: dict[str, Any], clock: tuple[date, str]) -> str:
    frequency = contract.cadence.frequency
    period = f"{finding['period_start']}..{finding['period_end']}"
    judged = f"judged on {clock[0]} ({clock[1]})"
    if finding["kind"] == "late_feed":
        return (f"{contract.feed_id} ({contract.title}): late: nothing loaded for the {frequency} period {period}, "
                f"due by {finding['deadline']} ({contract.cadence.deadline_days} days after it ended); {judged}")
    if finding["missing_periods"] is None:
        return f"{contract.feed_id} ({contract.title}): backlog: never delivered; {judged}"
    return (f"{contract.feed_id} ({contract.title}): backlog: {finding['missing_periods']} {frequency} periods "
            f"missing, {finding['missing_from']}..{finding['period_end']} (the last was due by "
            f"{finding['deadline']}); {judged}")
