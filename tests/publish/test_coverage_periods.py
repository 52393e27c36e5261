"""The gate's period rule: a published period must lie inside the months the ledger shows delivered, judged by
whole months at both ends (a weekly feed whose first file covers the week from 6 April delivers April)."""

import datetime as dt

import pandas as pd

from publish.coverage import _period_checks


def rows(*months: str) -> pd.DataFrame:
    starts = [dt.date.fromisoformat(m) for m in months]
    ends = [(pd.Timestamp(s) + pd.offsets.MonthEnd(0)).date() for s in starts]
    return pd.DataFrame({"period_start": starts, "period_end": ends})


def delivered(*periods: str) -> list[dict]:
    return [{"feed_id": "rwp_rtt", "current": True, "periods": list(periods), "status": "loaded"}]


def test_a_weekly_feeds_first_and_last_weeks_deliver_their_whole_months():
    """GIVEN weekly files from the week of 6 April to the week of 28 June
    WHEN April to June are checked
    THEN every month is inside the delivered data."""
    checks = _period_checks(rows("2025-04-01", "2025-05-01", "2025-06-01"), "rtt_18w", ["rwp_rtt"],
                            delivered("2025-04-06", "2025-05-04", "2025-06-29"))
    assert [c["status"] for c in checks] == ["inside", "inside", "inside"]


def test_a_month_before_the_first_delivery_or_after_the_last_is_outside():
    """GIVEN files from April to June
    WHEN March and July are published as well
    THEN both are outside, and the detail names the delivered span."""
    checks = _period_checks(rows("2025-03-01", "2025-05-01", "2025-07-01"), "rtt_18w", ["rwp_rtt"],
                            delivered("2025-04-06", "2025-06-29"))
    assert [c["status"] for c in checks] == ["outside", "inside", "outside"]
    assert checks[0]["detail"] == "period 2025-03-01 to 2025-03-31; delivered 2025-04-01 to 2025-06-30"


def test_nothing_delivered_is_outside_and_names_the_feeds():
    checks = _period_checks(rows("2025-04-01"), "rtt_18w", ["rwp_rtt"], [])
    assert checks[0]["status"] == "outside"
    assert "no delivery of rwp_rtt" in checks[0]["detail"]
