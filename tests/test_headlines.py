"""The demo's headline table: the latest month of every measure, for the system and each site."""

from __future__ import annotations

import datetime as dt

import duckdb

from outcomes.headlines import format_headlines, latest_headlines, site_names


def make_snapshot(settings, rows) -> None:
    settings.snapshot_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.snapshot_path)) as con:
        con.execute("create schema marts")
        con.execute("""create table marts.measure_values (measure_id varchar, period_start date, period_end date,
                       area_type varchar, area_code varchar, breakdown varchar, numerator double, denominator double,
                       value double, unit varchar, target double, meets_target boolean)""")
        con.executemany("insert into marts.measure_values values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def test_the_table_shows_each_measures_latest_month_for_the_system_then_each_site(settings):
    """GIVEN April and May rows of a measure (system, a site, an organisation and a breakdown row) and a
    three-month collection period starting in May (as reablement's ASCOF period beside its months)
    WHEN the headline table is built
    THEN it shows the month of May only, the system first, then the site with its name, with value, counts and
         target judgement; organisation and breakdown rows and the longer period are left out"""
    may, april = (dt.date(2025, 5, 1), dt.date(2025, 5, 31)), (dt.date(2025, 4, 1), dt.date(2025, 4, 30))
    may_to_july = (dt.date(2025, 5, 1), dt.date(2025, 7, 31))
    make_snapshot(settings, [
        ("ed_4h_type1", *april, "system", "QGH", "all", 50, 100, 50.0, "percent", 78, False),
        ("ed_4h_type1", *may, "site", "RWP50", "all", 91, 175, 52.0, "percent", 78, False),
        ("ed_4h_type1", *may, "system", "QGH", "all", 213, 368, 57.88, "percent", 78, False),
        ("ed_4h_type1", *may_to_july, "system", "QGH", "all", 600, 1000, 60.0, "percent", 78, False),
        ("ed_4h_type1", *may, "organisation", "RWP", "all", 155, 260, 59.6, "percent", 78, False),
        ("ed_4h_type1", *may, "system", "QGH", "sex", 100, 180, 55.6, "percent", 78, False),
    ])

    lines = format_headlines(latest_headlines(settings), site_names(settings.contracts_dir)).splitlines()

    assert lines[0].split() == ["measure", "month", "area", "value", "of", "target"]
    assert lines[1].split() == ["ed_4h_type1", "2025-05", "system", "57.9%", "213/368", "78%", "not", "met"]
    assert lines[2].split()[:4] == ["ed_4h_type1", "2025-05", "RWP50", "Worcestershire"]
    assert "52.0%" in lines[2] and len(lines) == 3


def test_without_a_warehouse_the_table_says_so(settings):
    assert latest_headlines(settings) == []
    assert "No measure values yet" in format_headlines([], {})
