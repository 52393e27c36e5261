"""Alerts: one JSON line per failure or late feed, plus a webhook post and/or an email when configured.

Every alert is appended to ``settings.alerts_path`` (``.work/alerts/alerts.jsonl``), which the CLI reads with
:func:`read_alerts`. When the environment names a destination, the same alert is also sent:

- ``OUTCOMES_ALERT_WEBHOOK``: URL that receives the alert as a JSON POST (it carries a ``text`` field, so Slack
  and Teams incoming webhooks show it as is);
- ``OUTCOMES_ALERT_EMAIL_TO`` (comma-separated) and ``OUTCOMES_SMTP_HOST``: an email through that server
  (``OUTCOMES_SMTP_PORT`` default 25, ``OUTCOMES_SMTP_STARTTLS=1``, ``OUTCOMES_SMTP_USER`` and
  ``OUTCOMES_SMTP_PASSWORD`` when the server needs them, ``OUTCOMES_ALERT_EMAIL_FROM``).

Sending never raises: an unreachable webhook or mail server is logged and the alert stays in the log file.
The late-feed check (:func:`check_late_feeds`) lives here too until ``ingest.ledger`` offers one.
"""

from __future__ import annotations

import calendar
import json
import logging
import os
import smtplib
import urllib.request
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from outcomes.settings import Settings, get_settings

log = logging.getLogger(__name__)

WEBHOOK_ENV = "OUTCOMES_ALERT_WEBHOOK"
EMAIL_TO_ENV = "OUTCOMES_ALERT_EMAIL_TO"
SMTP_HOST_ENV = "OUTCOMES_SMTP_HOST"
SEND_TIMEOUT_SECONDS = 5.0
DELIVERED_STATUSES = frozenset({"loaded", "superseded"})


def record_alert(
    kind: str,
    dag_id: str | None,
    task_id: str | None,
    reason: str,
    when: datetime | None = None,
    settings: Settings | None = None,
    *,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Append an alert to the alerts log and send it to the configured webhook/email. Returns the alert."""
    settings = settings or get_settings()
    when = when or datetime.now(UTC)
    alert: dict[str, Any] = {
        "when": when.isoformat(timespec="seconds"),
        "kind": kind,
        "dag_id": dag_id,
        "task_id": task_id,
        "reason": reason,
    }
    if details:
        alert["details"] = details
    path = Path(settings.alerts_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:  # one write per line: appends from several processes interleave whole
        fh.write(json.dumps(alert, default=str) + "\n")
    _post_webhook(alert)
    _send_email(alert)
    return alert


def read_alerts(settings: Settings | None = None) -> list[dict[str, Any]]:
    """Every alert in the log, oldest first (lines that are not JSON are skipped)."""
    path = Path((settings or get_settings()).alerts_path)
    if not path.exists():
        return []
    alerts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            alerts.append(json.loads(line))
        except json.JSONDecodeError:
            log.warning("skipping a malformed line in %s", path)
    return alerts


def _summary(alert: dict[str, Any]) -> str:
    where = ".".join(p for p in (alert.get("dag_id"), alert.get("task_id")) if p)
    return f"[outcomes {alert['kind']}] {where}: {alert['reason']}"


def _post_webhook(alert: dict[str, Any]) -> bool:
    url = os.environ.get(WEBHOOK_ENV, "").strip()
    if not url:
        return False
    body = json.dumps({"text": _summary(alert), **alert}, default=str).encode("utf-8")
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_SECONDS) as response:  # noqa: S310
            response.read()
        return True
    except Exception as exc:  # never let alerting break the caller
        log.warning("alert webhook %s failed: %s", url, exc)
        return False


def _send_email(alert: dict[str, Any]) -> bool:
    to = [a.strip() for a in os.environ.get(EMAIL_TO_ENV, "").split(",") if a.strip()]
    host = os.environ.get(SMTP_HOST_ENV, "").strip()
    if not to or not host:
        return False
    message = EmailMessage()
    message["Subject"] = _summary(alert)[:200]
    message["From"] = os.environ.get("OUTCOMES_ALERT_EMAIL_FROM", "outcomes-pipeline@localhost")
    message["To"] = ", ".join(to)
    message.set_content(json.dumps(alert, indent=2, default=str))
    try:
        port = int(os.environ.get("OUTCOMES_SMTP_PORT", "25"))
        with smtplib.SMTP(host, port, timeout=SEND_TIMEOUT_SECONDS) as smtp:
            if os.environ.get("OUTCOMES_SMTP_STARTTLS", "") in {"1", "true", "True"}:
                smtp.starttls()
            if user := os.environ.get("OUTCOMES_SMTP_USER"):
                smtp.login(user, os.environ.get("OUTCOMES_SMTP_PASSWORD", ""))
            smtp.send_message(message)
        return True
    except Exception as exc:
        log.warning("alert email via %s failed: %s", host, exc)
        return False


def on_failure_callback(context: Any) -> None:
    """Airflow task ``on_failure_callback``: record which DAG and task failed, why, and when."""
    try:
        ti = context.get("ti") or context.get("task_instance")
        exc = context.get("exception")
        dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", None)
        task_id = getattr(ti, "task_id", None) or getattr(context.get("task"), "task_id", None)
        reason = (f"{type(exc).__name__}: {exc}" if exc is not None else "failed (no exception recorded)")[:2000]
        details = {
            "run_id": context.get("run_id") or getattr(ti, "run_id", None),
            "map_index": getattr(ti, "map_index", None),
            "try_number": getattr(ti, "try_number", None),
        }
        record_alert("task_failure", dag_id, task_id, reason, details=details)
    except Exception:  # a broken callback must not hide the original failure
        log.exception("could not record the failure alert")


# -- late feeds -------------------------------------------------------------------------------------------


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


def _ledger_rows(ledger_dir: Path) -> list[dict[str, Any]]:
    rows = []
    for path in sorted(Path(ledger_dir).glob("*.json")):
        try:
            rows.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            log.warning("skipping unreadable ledger file %s", path)
    return rows


def _as_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def check_late_feeds(
    settings: Settings | None = None, today: date | None = None, *, alert: bool = True
) -> list[dict[str, Any]]:
    """For each contract, is its most recent overdue period delivered? Records an alert for each that is not.

    A period counts as delivered when the ledger holds a loaded (or since superseded) batch of the feed whose
    period_start..period_end overlaps it. Returns one dict per late feed.
    """
    from ingest.contract import load_contracts

    settings = settings or get_settings()
    today = today or datetime.now(UTC).date()
    rows = _ledger_rows(settings.ledger_dir)
    late = []
    for contract in load_contracts(settings.contracts_dir):
        start, end = latest_due_period(contract.cadence.frequency, contract.cadence.deadline_days, today)
        delivered = [
            r
            for r in rows
            if r.get("feed_id") == contract.feed_id
            and r.get("status") in DELIVERED_STATUSES
            and (s := _as_date(r.get("period_start"))) is not None
            and (e := _as_date(r.get("period_end")) or s) is not None
            and s <= end
            and e >= start
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
