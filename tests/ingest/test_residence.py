"""Residents of Wales: a Welsh LSOA is a valid residence, kept and counted; an LSOA that does not exist is not."""

from __future__ import annotations

import json

import duckdb

from ingest.load import ingest_file, ingest_files
from outcomes.status import status_report
from tests.ingest.ecds_rows import row, write_ecds

POWYS = "W01000426"  # Powys 021A, in the ONS rural-urban classification of England and Wales
MONMOUTHSHIRE = "W01001545"  # Monmouthshire 001A


def _rejections(settings) -> list[tuple]:
    return duckdb.sql(f"select line, rule_id, value, message from read_parquet("
                      f"'{settings.quarantine_dir}/*/*/*.parquet') order by line").fetchall()


def test_welsh_residents_load_and_are_counted_while_unknown_lsoas_are_quarantined(settings, tmp_path):
    """GIVEN 60 English residents, 2 residents of Powys and Monmouthshire and 2 rows whose LSOA does not exist
    (a Welsh-looking W01999999 and an English-looking E01999999)
    WHEN the file is ingested
    THEN the Welsh rows load with their LSOA as sent and are counted as residents outside England (result,
    summary line, ledger, status totals and the feed's current rows), and only the two unknown codes are
    quarantined by the lsoa rule."""
    rows = [row(i) for i in range(60)]
    rows += [row(60, lsoa_code=POWYS), row(61, lsoa_code=MONMOUTHSHIRE)]
    rows += [row(62, lsoa_code="W01999999"), row(63, lsoa_code="E01999999")]
    path = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", rows)

    result = ingest_file(path, settings=settings)

    assert (result.rows_accepted, result.rows_rejected, result.rows_outside_england) == (62, 2, 2)
    assert "2 rows of residents outside England" in result.summary()
    loaded = duckdb.sql(f"select lsoa_code from read_parquet('{settings.raw_dir}/*/*/*.parquet') "
                        "where lsoa_code like 'W%' order by 1").fetchall()
    assert loaded == [(POWYS,), (MONMOUTHSHIRE,)]
    assert [(line, rule, value) for line, rule, value, _ in _rejections(settings)] == [
        (64, "lsoa_code.lsoa", "W01999999"), (65, "lsoa_code.lsoa", "E01999999")]
    assert "England or Wales" in _rejections(settings)[0][3]
    (entry,) = [json.loads(p.read_text()) for p in settings.ledger_dir.glob("*.json")]
    assert entry["rows_outside_england"] == 2
    report = status_report(settings)
    assert report["totals"]["rows_outside_england"] == 2
    assert [f["current_rows_outside_england"] for f in report["feeds"]] == [2]


def test_a_file_of_english_residents_counts_none_outside_england(settings, tmp_path):
    """GIVEN a file whose residents all live in English LSOAs (and one row with no LSOA)
    WHEN it is ingested
    THEN every row loads and none is counted outside England (the summary says nothing about it)."""
    path = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(5)] + [row(5, lsoa_code="")])

    result = ingest_file(path, settings=settings)

    assert (result.rows_accepted, result.rows_outside_england) == (6, 0)
    assert "outside England" not in result.summary()


def test_files_checked_together_each_count_their_own_residents_outside_england(settings, tmp_path):
    """GIVEN two monthly files of one feed delivered together (checked as one group), the first with three
    residents of Powys, the second with none
    WHEN they are ingested in one call
    THEN the first file's result counts 3 residents outside England and the second's 0."""
    april = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv",
                       [row(i) for i in range(20)] + [row(20 + i, lsoa_code=POWYS) for i in range(3)])
    may = write_ecds(tmp_path / "RWP_ECDS_2025-05.csv",
                     [row(100 + i, arrival_datetime="2025-05-02 10:00:00", departure_datetime="2025-05-02 11:00:00")
                      for i in range(20)])

    first, second = ingest_files([april, may], settings=settings)

    assert (first.rows_accepted, first.rows_outside_england) == (23, 3)
    assert (second.rows_accepted, second.rows_outside_england) == (20, 0)
