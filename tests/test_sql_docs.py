"""docs/sql.md cannot rot: every ```sql block in it runs through `outcomes sql -c` against a small warehouse built
by dbt, and the three questions it answers get the answers the fixture's rows imply. The same warehouse shows that
marts.feed_status names exactly the feeds outcomes/late_feeds.py alerts on."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from typer.testing import CliRunner

from outcomes.cli import app
from tests.dbt_models import documented, model_yaml

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "sql.md"
AS_OF = "2025-06-20"  # monthly feeds due 5-15 days after month end: May is overdue for some, April for the rest


def sql_blocks() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def measure_values_columns() -> list[tuple[str, str]]:
    model = model_yaml("measure_values")
    return [(c["name"], c["data_type"]) for c in model["columns"]]


def value_row(measure_id, month, area_type, area_code, breakdown="all", breakdown_value="all", value=None,
              target=None, lower_95=None, upper_95=None) -> dict:
    start = date.fromisoformat(month + "-01")
    end = date(start.year + start.month // 12, start.month % 12 + 1, 1).fromordinal(
        date(start.year + start.month // 12, start.month % 12 + 1, 1).toordinal() - 1)
    return {"measure_id": measure_id, "period_type": "month", "period_start": start, "period_end": end,
            "area_type": area_type, "area_code": area_code, "breakdown": breakdown, "breakdown_value": breakdown_value,
            "numerator": value, "denominator": 100.0, "value": value, "lower_95": lower_95, "upper_95": upper_95,
            "unit": "percent", "target": target, "compared_to_system": "not_compared", "registry_version": 1}


FOUR_HOUR = [  # May is the newest month; an April site far below the target must not be chosen
    value_row("ed_4h_all_types", "2025-05", "site", "RWP01", value=70.0, target=78.0),
    value_row("ed_4h_all_types", "2025-05", "site", "RLQ01", value=65.0, target=78.0),
    value_row("ed_4h_all_types", "2025-05", "site", "R1A10", value=90.0, target=78.0),
    value_row("ed_4h_all_types", "2025-05", "organisation", "RWP", value=50.0, target=78.0),
    value_row("ed_4h_all_types", "2025-04", "site", "RWP02", value=10.0, target=78.0),
]
# quintile 1 against 5 for the system; May 2024 falls outside the twelve months to May 2025; trust rows ignored
READMISSIONS = [
    row
    for month, q1, q5 in [("2024-05", 30.0, 1.0), ("2024-06", 16.0, 12.0), ("2025-01", 15.0, 14.5),
                          ("2025-05", 18.0, 12.0)]
    for row in (value_row("emergency_readmission_30d", month, "system", "QGH", "imd_quintile", "1", q1,
                          lower_95=q1 - 1, upper_95=q1 + 1),
                value_row("emergency_readmission_30d", month, "system", "QGH", "imd_quintile", "5", q5,
                          lower_95=q5 - 1, upper_95=q5 + 1))
] + [value_row("emergency_readmission_30d", "2025-05", "organisation", "RWP", "imd_quintile", "1", 99.0)]

LEDGER = [  # judged on 2025-06-20
    # monthly, 10 days: May due by 10 June; delivered (declared period) -> on time
    {"feed_id": "rwp_ecds", "declared_period": "2025-05-01", "period_start": "2025-05-01", "period_end": "2025-05-31"},
    # monthly, 10 days: only April -> late for May
    {"feed_id": "rlq_ecds", "declared_period": "2025-04-01", "period_start": "2025-04-01", "period_end": "2025-04-30"},
    # a ledger row from before periods were declared: its rows' period overlaps May -> on time
    {"feed_id": "r1a_miu", "period_start": "2025-05-01", "period_end": "2025-05-31"},
    # refused deliveries do not count
    {"feed_id": "rwp_apc", "declared_period": "2025-05-01", "status": "rejected"},
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """GIVEN a ledger of four deliveries judged on 2025-06-20 and a warehouse dbt built with marts.feed_status, plus
    measure_values rows (with the enforced contract's columns) for the 4-hour and readmission questions, in the
    analysts' snapshot."""
    from config.settings import get_settings
    from lake.ledger import write_entry
    from transform.build import build, refresh_snapshot

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OUTCOMES_WORK_DIR", str(tmp_path_factory.mktemp("work")))
        mp.setenv("OUTCOMES_AS_OF", AS_OF)
        settings = get_settings()
        for i, entry in enumerate(LEDGER):
            write_entry(settings, {"batch_id": f"b{i}", "status": "loaded", "file": f"f{i}.csv",
                                   "finished_at": "2025-06-01T00:00:00+00:00", **entry})
        dbt_lines: list[str] = []
        build(select=["feed_status"], settings=settings, on_line=dbt_lines.append)
        columns = measure_values_columns()
        with duckdb.connect(str(settings.warehouse_path)) as con:
            con.execute("create schema if not exists marts")
            con.execute(f"create table marts.measure_values ({', '.join(f'{n} {t}' for n, t in columns)})")
            names = [n for n, _ in columns]
            con.executemany(f"insert into marts.measure_values values ({', '.join('?' * len(names))})",
                            [[row.get(n) for n in names] for row in FOUR_HOUR + READMISSIONS])
        refresh_snapshot(settings)
        yield SimpleNamespace(settings=settings, dbt_lines=dbt_lines)


def run_block(block: str) -> list[dict]:
    result = CliRunner().invoke(app, ["sql", "-c", block, "--csv", "-"])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def block_about(text: str) -> str:
    return next(b for b in sql_blocks() if text in b)


def test_every_sql_block_in_the_docs_runs_on_the_snapshot(built):
    """WHEN each ```sql block of docs/sql.md runs through `outcomes sql -c` THEN each exits 0 with rows."""
    blocks = sql_blocks()
    assert len(blocks) >= 3
    for block in blocks:
        assert run_block(block), block


def test_each_column_and_the_view_carry_their_models_description(built):
    """THEN the documentation block lists marts.feed_status's columns, each with its description in the model's
    YAML as its comment (in the analysts' snapshot), and the view carries the model's description."""
    columns = documented("feed_status")
    description = columns.pop("")
    rows = run_block(block_about("duckdb_columns()"))
    assert {r["column_name"]: r["comment"].strip() for r in rows if r["column_name"] in columns} == columns
    assert len(columns) >= 5
    with duckdb.connect(str(built.settings.snapshot_path), read_only=True) as con:
        (comment,) = con.execute("select comment from duckdb_views() where view_name = 'feed_status'").fetchone()
    assert comment.strip() == description


def test_the_site_furthest_below_the_4_hour_target_is_this_months_worst_site(built):
    """THEN the newest month's sites, worst first: RLQ01 13 points below, RWP01 8; not the organisation row nor
    April's site."""
    rows = run_block(block_about("ed_4h_all_types"))
    assert [(r["site"], r["month"], float(r["points_below_target"])) for r in rows] == [
        ("RLQ01", "2025-05-01", 13.0), ("RWP01", "2025-05-01", 8.0), ("R1A10", "2025-05-01", -12.0)]


def test_the_readmission_gap_by_month_covers_the_last_twelve_months_of_the_system(built):
    """THEN June 2024 to May 2025 (not May 2024), gap = quintile 1 - quintile 5 of the system; the intervals of
    June 2024 (15-17 against 11-13) do not overlap, those of January (14-16 against 13.5-15.5) do."""
    rows = run_block(block_about("emergency_readmission_30d"))
    assert [(r["month"], float(r["gap_points"])) for r in rows] == [
        ("2024-06-01", 4.0), ("2025-01-01", 0.5), ("2025-05-01", 6.0)]
    assert [r["gap_beyond_chance"] for r in rows] == ["true", "false", "true"]


def test_late_feeds_are_those_whose_overdue_period_has_no_loaded_delivery(built):
    """THEN rlq_ecds (April only) is late for May, 10 days past its 10 June deadline; the on-time feeds (a declared
    period, an overlapping period) are not listed; rwp_apc's refused delivery does not count."""
    rows = {r["feed_id"]: r for r in run_block(block_about("feed_status"))}
    assert "rwp_ecds" not in rows and "r1a_miu" not in rows
    assert (rows["rlq_ecds"]["due_period_start"], rows["rlq_ecds"]["deadline"],
            rows["rlq_ecds"]["days_past_deadline"]) == ("2025-05-01", "2025-06-10", "10")
    assert rows["rwp_apc"]["files_loaded"] == "0"


def test_feed_status_names_exactly_the_feeds_the_late_feeds_alerts_name(built):
    """THEN for every contract, the view's late feeds and due periods equal outcomes.late_feeds' on the same day."""
    from outcomes.late_feeds import check_late_feeds

    expected = {(f["feed_id"], f["period_start"], f["period_end"], f["deadline"])
                for f in check_late_feeds(built.settings, today=date.fromisoformat(AS_OF), alert=False)}
    with duckdb.connect(str(built.settings.snapshot_path), read_only=True) as con:
        got = set(con.execute("select feed_id, cast(due_period_start as varchar), cast(due_period_end as varchar), "
                              "cast(deadline as varchar) from marts.feed_status where is_late").fetchall())
        judged = con.execute("select distinct judged_on from marts.feed_status").fetchall()
    assert got == expected
    assert judged == [(date.fromisoformat(AS_OF),)]
    assert len(expected) > 5  # weekly, quarterly and monthly feeds that never delivered are among them


def test_the_build_passed_on_a_line_per_node_as_dbt_ran_them(built):
    """THEN the build's line callback (the progress bar of `outcomes build`) saw every node dbt ran finish once:
    the view and its three tests (its key's primary_key, not_null_columns, accepted_values)."""
    from outcomes.progress import dbt_node

    finished = [node for node in map(dbt_node, built.dbt_lines) if node and node[2] != "START"]
    assert sorted(n[0] for n in finished) == list(range(1, 5)) and {n[1] for n in finished} == {4}
    assert any(n[3] == "created sql view model marts.feed_status" for n in finished)


@pytest.mark.parametrize("day", ["2025-06-05", "2025-06-11", "2025-01-01", "2025-03-03", "2024-02-29", "2025-10-19",
                                 "2026-01-05"])
def test_the_compiled_rule_agrees_with_the_alerts_on_other_days(built, day):
    """GIVEN the SQL dbt compiled for marts.feed_status, its clock set to another day (5 June, when April is the
    period due: rlq_ecds sent it, rwp_ecds only May; 11 June, after May's deadline; week, month, quarter and year
    boundaries; a leap day) WHEN it runs over the same ledger THEN it names the feeds, due periods and deadlines
    outcomes.late_feeds names on that day."""
    from outcomes.late_feeds import check_late_feeds

    settings = built.settings
    compiled = next((settings.work_dir / "dbt" / "target" / "compiled").rglob("feed_status.sql")).read_text()
    assert compiled.count(f"date '{AS_OF}' as judged_on") == 1
    sql = compiled.replace(f"date '{AS_OF}' as judged_on", f"date '{day}' as judged_on")
    expected = {(f["feed_id"], f["period_start"], f["period_end"], f["deadline"])
                for f in check_late_feeds(settings, today=date.fromisoformat(day), alert=False)}
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
        got = set(con.execute(f"select feed_id, cast(due_period_start as varchar), cast(due_period_end as varchar), "
                              f"cast(deadline as varchar) from ({sql}) where is_late").fetchall())
    assert got == expected
    if day == "2025-06-05":  # April is due: rlq_ecds sent it, rwp_ecds sent only May
        assert "rlq_ecds" not in {feed for feed, *_ in got} and "rwp_ecds" in {feed for feed, *_ in got}
