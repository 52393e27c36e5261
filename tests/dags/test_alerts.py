"""Alerts: the log the CLI reads, the webhook (a real HTTP server on 127.0.0.1), the failure callback, late feeds."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import pytest

from outcomes import alerts, late_feeds


@pytest.fixture
def settings(quiet_work):
    return quiet_work


@pytest.fixture
def webhook(monkeypatch):
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"content_type": self.headers["Content-Type"], "body": json.loads(body)})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("OUTCOMES_ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_port}/hook")
    yield received
    server.shutdown()


def test_an_alert_is_logged_and_read_back(settings):
    when = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    alerts.record_alert("task_failure", "transform", "build", "BuildFailed: boom", when=when, settings=settings)
    assert alerts.read_alerts(settings) == [
        {
            "when": "2025-03-01T09:30:00+00:00",
            "kind": "task_failure",
            "dag_id": "transform",
            "task_id": "build",
            "reason": "BuildFailed: boom",
        }
    ]


def test_the_webhook_receives_the_alert_as_json(settings, webhook):
    alerts.record_alert("late_feed", "late_feeds", "check_deadlines", "rwp_ecds is late", settings=settings)
    (post,) = webhook
    assert post["content_type"] == "application/json"
    assert post["body"]["kind"] == "late_feed" and post["body"]["reason"] == "rwp_ecds is late"
    assert post["body"]["text"] == "[outcomes late_feed] late_feeds.check_deadlines: rwp_ecds is late"


def test_an_unreachable_webhook_or_mail_server_never_raises(settings, monkeypatch):
    monkeypatch.setenv("OUTCOMES_ALERT_WEBHOOK", "http://127.0.0.1:9/nothing-listens-here")
    monkeypatch.setenv("OUTCOMES_ALERT_EMAIL_TO", "oncall@example.org")
    monkeypatch.setenv("OUTCOMES_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("OUTCOMES_SMTP_PORT", "9")
    alerts.record_alert("task_failure", "d", "t", "still logged", settings=settings)
    assert [a["reason"] for a in alerts.read_alerts(settings)] == ["still logged"]


def test_the_failure_callback_records_dag_task_and_reason(settings, webhook):
    ti = SimpleNamespace(dag_id="ingest__rwp_ecds", task_id="ingest", run_id="r1", map_index=2, try_number=1)
    alerts.on_failure_callback({"ti": ti, "exception": ValueError("line 7: bad NHS Number")})
    (alert,) = alerts.read_alerts(settings)
    assert alert["dag_id"] == "ingest__rwp_ecds" and alert["task_id"] == "ingest"
    assert alert["reason"] == "ValueError: line 7: bad NHS Number"
    assert alert["details"] == {"run_id": "r1", "map_index": 2, "try_number": 1}
    assert webhook[0]["body"]["dag_id"] == "ingest__rwp_ecds"


def test_a_broken_context_does_not_make_the_callback_raise(settings):
    alerts.on_failure_callback({})
    assert alerts.read_alerts(settings)[0]["reason"] == "failed (no exception recorded)"


@pytest.mark.parametrize(
    ("frequency", "deadline_days", "today", "expected"),
    [
        ("monthly", 10, date(2025, 3, 10), ("2025-01-01", "2025-01-31")),  # February's deadline is today: not yet
        ("monthly", 10, date(2025, 3, 11), ("2025-02-01", "2025-02-28")),
        ("weekly", 2, date(2025, 3, 12), ("2025-03-03", "2025-03-09")),  # Wed: last week's Sunday + 2 = Tue
        ("daily", 0, date(2025, 3, 12), ("2025-03-11", "2025-03-11")),
        ("quarterly", 30, date(2025, 5, 1), ("2025-01-01", "2025-03-31")),
        ("annual", 60, date(2025, 3, 1), ("2023-01-01", "2023-12-31")),
    ],
)
def test_latest_due_period(frequency, deadline_days, today, expected):
    start, end = late_feeds.latest_due_period(frequency, deadline_days, today)
    assert (start.isoformat(), end.isoformat()) == expected


def _ledger(settings, **entry):
    settings.ledger_dir.mkdir(parents=True, exist_ok=True)
    path = settings.ledger_dir / f"{entry['batch_id']}.json"
    path.write_text(json.dumps({"feed_id": "rwp_ecds", **entry}))


def test_a_feed_that_missed_its_deadline_raises_one_alert_and_a_delivered_one_none(settings):
    from config.contracts import load_contracts

    feeds = {c.feed_id for c in load_contracts(settings.contracts_dir)}
    # monthly, due 10 days after month end: on 2025-03-11 February is due
    _ledger(settings, batch_id="b1", status="loaded", period_start="2025-02-01", period_end="2025-02-28")
    _ledger(
        settings, batch_id="b2", status="rejected", period_start="2025-02-01", period_end="2025-02-28", feed_id="other"
    )
    late = late_feeds.check_late_feeds(settings, today=date(2025, 3, 11))
    assert "rwp_ecds" not in {f["feed_id"] for f in late}
    assert {f["feed_id"] for f in late} == feeds - {"rwp_ecds"}
    late = late_feeds.check_late_feeds(settings, today=date(2025, 4, 11))  # March now due, not delivered
    rwp = [f for f in late if f["feed_id"] == "rwp_ecds"]
    assert rwp == [
        {
            "feed_id": "rwp_ecds",
            "title": rwp[0]["title"],
            "period_start": "2025-03-01",
            "period_end": "2025-03-31",
            "deadline": "2025-04-10",
            "kind": "late_feed",
            "missing_periods": 1,
            "missing_from": "2025-03-01",
            "as_of": "2025-04-11",
        }
    ]
    logged = [a for a in alerts.read_alerts(settings) if a["details"]["feed_id"] == "rwp_ecds"]
    assert len(logged) == 1 and "2025-03-01..2025-03-31" in logged[0]["reason"]


def test_a_delivery_counts_for_the_period_it_declares_not_for_its_late_rows(settings):
    """GIVEN March's file delivered (declared period March) holding late rows from February
    WHEN February is due THEN February is late: late rows inside another month's file do not deliver it."""
    _ledger(settings, batch_id="b1", status="loaded", declared_period="2025-03-01", period_start="2025-02-01",
            period_end="2025-03-31")
    late = late_feeds.check_late_feeds(settings, today=date(2025, 3, 11), alert=False)
    assert [(f["feed_id"], f["period_start"]) for f in late if f["feed_id"] == "rwp_ecds"] == [
        ("rwp_ecds", "2025-02-01")]


def test_real_lateness_stands_out_from_a_backlog(settings):
    """GIVEN rwp_ecds delivered up to January and rwp_apc up to April, nothing else ever
    WHEN deadlines are judged on 2025-06-16 (May is due) THEN rwp_apc is late (one period), rwp_ecds is a backlog
    of four periods since February, and a feed never delivered is a backlog without a count."""
    _ledger(settings, batch_id="b1", status="loaded", declared_period="2025-01-01")
    _ledger(settings, batch_id="b2", status="loaded", declared_period="2025-04-01", feed_id="rwp_apc")

    late = {f["feed_id"]: f for f in late_feeds.check_late_feeds(settings, today=date(2025, 6, 16))}

    assert (late["rwp_apc"]["kind"], late["rwp_apc"]["missing_periods"]) == ("late_feed", 1)
    assert (late["rwp_ecds"]["kind"], late["rwp_ecds"]["missing_periods"], late["rwp_ecds"]["missing_from"]) == (
        "feed_backlog", 4, "2025-02-01")
    assert (late["rlq_ecds"]["kind"], late["rlq_ecds"]["missing_periods"]) == ("feed_backlog", None)
    logged = {a["details"]["feed_id"]: a for a in alerts.read_alerts(settings)}
    assert logged["rwp_apc"]["kind"] == "late_feed" and ": late: " in logged["rwp_apc"]["reason"]
    assert "backlog: 4 monthly periods missing, 2025-02-01..2025-05-31" in logged["rwp_ecds"]["reason"]


@pytest.mark.parametrize(("as_of", "expected"), [("2025-03-11", date(2025, 3, 11)), ("data", date(2025, 3, 1))])
def test_deadlines_are_judged_on_the_data_clock(settings, monkeypatch, as_of, expected):
    """GIVEN OUTCOMES_AS_OF (a date, or ``data``: the day after the newest period loaded) WHEN late feeds are
    checked without a date THEN they are judged on that day, and each alert says so."""
    from config.settings import get_settings

    _ledger(settings, batch_id="b1", status="loaded", declared_period="2025-02-01", period_start="2025-02-01",
            period_end="2025-02-28")
    monkeypatch.setenv("OUTCOMES_AS_OF", as_of)

    late = late_feeds.check_late_feeds(get_settings())

    assert {f["as_of"] for f in late} == {expected.isoformat()}
    assert all("OUTCOMES_AS_OF" in a["reason"] for a in alerts.read_alerts(settings))


def test_the_demo_clock_is_the_day_after_its_last_month():
    from outcomes.demo import data_clock

    assert (data_clock("2025-04", 3), data_clock("2025-04", 12), data_clock("2025-11", 2)) == (
        "2025-07-01", "2026-04-01", "2026-01-01")
