"""Alerts: one JSON line per failure or late feed, plus a webhook post and/or an email when configured.

Every alert is appended to ``settings.alerts_path`` (``.work/alerts/alerts.jsonl``), which the CLI reads with
:func:`read_alerts`. When the environment names a destination, the same alert is also sent:

- ``OUTCOMES_ALERT_WEBHOOK``: URL that receives the alert as a JSON POST (it carries a ``text`` field, so Slack
  and Teams incoming webhooks show it as is);
- ``OUTCOMES_ALERT_EMAIL_TO`` (comma-separated) and ``OUTCOMES_SMTP_HOST``: an email through that server
  (``OUTCOMES_SMTP_PORT`` default 25, ``OUTCOMES_SMTP_STARTTLS=1``, ``OUTCOMES_SMTP_USER`` and
  ``OUTCOMES_SMTP_PASSWORD`` when the server needs them, ``OUTCOMES_ALERT_EMAIL_FROM``).

Sending never raises: an unreachable webhook or mail server is logged and the alert stays in the log file.
This module is only the sink: what raises an alert (a failed task, a late feed in ``outcomes.late_feeds``) lives
with the check that finds it.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import urllib.request
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from config.settings import Settings, get_settings

log = logging.getLogger(__name__)

WEBHOOK_ENV = "OUTCOMES_ALERT_WEBHOOK"
EMAIL_TO_ENV = "OUTCOMES_ALERT_EMAIL_TO"
SMTP_HOST_ENV = "OUTCOMES_SMTP_HOST"
SEND_TIMEOUT_SECONDS = 5.0


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


NOISE_PREFIXES = ("AirflowFailException: ", "AirflowException: ", "Refused: ")


def alert_line(alert: dict[str, Any]) -> str:
    """One alert as one line: its time (UTC, to the second), kind, where (DAG.task) and reason; the reason
    without an exception class that says nothing to a person, and with a name repeated at its start once."""
    when = str(alert.get("when") or "time unknown").replace("T", " ").replace("+00:00", " UTC")
    where = ".".join(p for p in (alert.get("dag_id"), alert.get("task_id")) if p)
    parts = one_line_reason(str(alert.get("reason") or "")).split(": ")
    kept = [p for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]]
    return " ".join(f"{when}  {alert.get('kind')}  {where + '  ' if where else ''}{': '.join(kept)}".split())


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
        return
    from outcomes.task_notes import set_note

    set_note(dag_id, details["run_id"], task_id, details["map_index"], one_line_reason(reason))


def one_line_reason(reason: str) -> str:
    """A failure's reason as one line without the exception class (as the grid's note shows it)."""
    for prefix in NOISE_PREFIXES:
        reason = reason.removeprefix(prefix)
    return " ".join(reason.split())
