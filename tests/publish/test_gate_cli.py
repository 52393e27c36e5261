"""`outcomes gate [TABLE]`: the gate alone, a summary table, exit 1 on failure; status links the Data Docs."""

from __future__ import annotations

from typer.testing import CliRunner

from outcomes.cli import app
from publish import store

TABLE = "ed_four_hour_performance"
ROWS = [("RWP", "2024-01-01", "1", 412, 260), ("RWP", "2024-01-01", "2", 355, 241),
        ("RLQ", "2024-01-01", "1", 130, 96)]


def test_gate_prints_each_expectation_and_exits_1_on_a_failure_publishing_nothing(settings, make_mart):
    """
    GIVEN a warehouse whose ED mart is clean, then one whose RLQ row has 130 within four hours of 96 attendances
    WHEN `outcomes gate ed_four_hour_performance` runs on each, and then `outcomes status`
    THEN the first exits 0 with a row per expectation (result, observed value); the second exits 1 naming the
         percentage and its published value (130 of 95 after rounding: 136.8); nothing is published; status
         links the Data Docs page
    """
    runner = CliRunner()
    make_mart(ROWS)

    clean = runner.invoke(app, ["gate", TABLE], terminal_width=200)

    assert clean.exit_code == 0, clean.output
    assert "gate passed" in clean.output and "observed value" in clean.output
    assert "all 3 rows hold" in clean.output and "FAIL" not in clean.output

    make_mart([*ROWS[:2], ("RLQ", "2024-01-01", "1", 96, 130)])
    failed = runner.invoke(app, ["gate", TABLE], terminal_width=200)

    assert failed.exit_code == 1
    assert "FAIL" in failed.output and "pct_within_four_hours is a percentage between 0 and 100" in failed.output
    assert "136.8" in failed.output
    # the breaking row told by its keys (the gate validates again, with detail, once a check has failed)
    assert "for example pct_within_four_hours=136.8, organisation_code=RLQ, month=2024-01-01, imd_quintile=1" in (
        " ".join(failed.output.split()))
    assert store.versions(settings.publications_dir, TABLE) == []
    status = runner.invoke(app, ["status"], terminal_width=200)
    assert "quality gate Data Docs: file://" in status.output and "index.html" in status.output


def test_the_raw_gate_on_an_empty_lake_says_there_is_nothing_to_check(settings):
    """GIVEN a lake with no delivery WHEN `outcomes gate --raw` runs THEN it says so and where it looked, exit 0
    (nothing failed), and draws no Data Docs page"""
    result = CliRunner().invoke(app, ["gate", "--raw"], terminal_width=200)

    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"nothing to check: no feed has a current delivery in {settings.raw_dir}"
    assert not list((settings.work_dir / "gx").rglob("*.html"))
