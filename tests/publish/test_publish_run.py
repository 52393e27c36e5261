"""Write -> audit -> publish, end to end on a small hand-made warehouse."""

from __future__ import annotations

import csv
import hashlib
import json

import pytest

from publish import store
from publish.errors import GateFailed, SourceMissing
from publish.run import latest, publish

TABLE = "ed_four_hour_performance"
# A realistic small month: every row is large enough to publish except where a test says otherwise.
BASE_ROWS: list[tuple] = [
    ("RWP", "2024-01-01", "1", 412, 260),
    ("RWP", "2024-01-01", "2", 355, 241),
    ("RWP", "2024-01-01", "3", 298, 207),
    ("RWP", "2024-01-01", "4", 240, 180),
    ("RWP", "2024-01-01", "5", 190, 150),
    ("RLQ", "2024-01-01", "1", 130, 96),
    ("RLQ", "2024-01-01", "unknown", 41, 30),
]


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _csv_rows(path) -> dict[tuple[str, str, str], dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {(r["organisation_code"], r["month"], r["imd_quintile"]): r for r in csv.DictReader(handle)}


def test_publish_writes_a_version_whose_manifest_checksums_match_its_files(settings, make_mart):
    """
    GIVEN a warehouse with the ED four-hour mart and no earlier publication
    WHEN the table is published (settings taken from OUTCOMES_WORK_DIR, source batch ids given)
    THEN v0001 holds csv, parquet, validation.json and a manifest whose sha256 and row counts match the files,
         LATEST names v0001, and latest() reports it
    """
    make_mart(BASE_ROWS)
    assert latest(TABLE) is None

    [result] = publish([TABLE], source_batch_ids=["b-2024-01"])

    folder = settings.publications_dir / TABLE / "v0001"
    assert (result.table, result.version, result.status, result.path) == (TABLE, "v0001", "published", folder)
    assert result.rows == len(BASE_ROWS)
    assert (settings.publications_dir / TABLE / "LATEST").read_text().strip() == "v0001"
    manifest = json.loads((folder / "manifest.json").read_text())
    expected_files = {f"{TABLE}.csv", f"{TABLE}.parquet", "validation.json"}
    assert set(manifest["files"]) == expected_files
    assert {p.name for p in folder.iterdir()} == expected_files | {"manifest.json"}
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == _sha(folder / name), name
    assert manifest["version"] == "v0001" and manifest["table"] == TABLE
    assert manifest["created_at"].endswith("Z")
    assert manifest["rows"] == len(_csv_rows(folder / f"{TABLE}.csv")) == len(BASE_ROWS)
    assert manifest["source"] == {"relation": "marts.ed_four_hour_performance", "rows": 7, "batch_ids": ["b-2024-01"],
                                  "built_upto": None}  # no build recorded in this folder
    assert manifest["gate"]["success"] is True and manifest["gate"]["failed_expectations"] == 0
    assert manifest["disclosure"]["profile"] == "nhs_standard"
    assert manifest["disclosure"]["profiles"]["nhs_standard"]["suppress_below"] == 8
    assert [c["name"] for c in manifest["columns"]][-1] == "suppressed"
    assert json.loads((folder / "validation.json").read_text())["success"] is True
    live = latest(TABLE)
    assert live is not None and live.version == "v0001" and live.manifest == manifest


def test_known_cells_are_suppressed_or_rounded_with_pct_from_rounded_counts(settings, make_mart):
    """
    GIVEN a mart where one cell has 7 attendances and another 23 attendances of which 12 within four hours
    WHEN the table is published under nhs_standard
    THEN the 7 is published empty with its pct and suppressed=true, the 23 appears as 25 and 12 as 10,
         and the pct is 40.0 (10 / 25, the published figures), not 52.2 (12 / 23, which would give the true
         counts back)
    """
    make_mart([*BASE_ROWS, ("RLQ", "2024-01-01", "2", 7, 6), ("RLQ", "2024-01-01", "3", 23, 12)])

    [result] = publish([TABLE])

    rows = _csv_rows(result.path / f"{TABLE}.csv")
    small = rows[("RLQ", "2024-01-01", "2")]
    assert (small["attendances"], small["within_four_hours"], small["pct_within_four_hours"]) == ("", "", "")
    assert small["suppressed"] == "true"
    rounded = rows[("RLQ", "2024-01-01", "3")]
    assert (rounded["attendances"], rounded["within_four_hours"]) == ("25", "10")
    assert rounded["pct_within_four_hours"] == "40.0"
    assert rounded["suppressed"] == "false"
    assert result.suppressed_cells == 3
    text = (result.path / f"{TABLE}.csv").read_text()
    assert ",7," not in text and ",23," not in text and ",12," not in text


def test_gate_failure_blocks_publication_and_keeps_previous_latest(settings, make_mart):
    """
    GIVEN v0001 is live, then the mart is rebuilt with 53 of 41 attendances within four hours on a cell (a
          broken model), so the percentage from the published counts is 55 / 40 = 137.5
    WHEN the table is published again
    THEN GateFailed names the table and the failed percentage (and numerator above denominator) expectations
         in plain words, no v0002 exists,
         LATEST still names v0001, no candidate is left in _incoming, and a fail report is kept in _audit
    """
    make_mart(BASE_ROWS)
    publish([TABLE])
    bad = [*BASE_ROWS[:-1], ("RLQ", "2024-01-01", "unknown", 41, 53)]
    make_mart(bad)

    with pytest.raises(GateFailed) as caught:
        publish([TABLE])

    error = caught.value
    assert error.table == TABLE
    percent = [f for f in error.failures if "between 0 and 100" in f and "pct_within_four_hours" in f]
    assert len(percent) == 1 and "137.5" in percent[0]
    assert any("within_four_hours is not above attendances" in f for f in error.failures)
    assert TABLE in str(error) and "previous version stays live" in str(error)
    table_dir = settings.publications_dir / TABLE
    assert store.versions(settings.publications_dir, TABLE) == ["v0001"]
    assert (table_dir / "LATEST").read_text().strip() == "v0001"
    assert list((table_dir / "_incoming").iterdir()) == []
    fails = sorted((table_dir / "_audit").glob("*_fail.json"))
    assert len(fails) == 1 and json.loads(fails[0].read_text())["success"] is False


def test_unchanged_rerun_creates_no_version_and_a_change_creates_the_next(settings, make_mart):
    """
    GIVEN the table has been published from a mart
    WHEN it is published again from the same mart, and then from a mart with one more row
    THEN the rerun reports 'unchanged' at v0001 without a new folder, and the change is published as v0002
    """
    make_mart(BASE_ROWS)
    first = publish([TABLE])[0]

    again = publish([TABLE])[0]

    assert (again.status, again.version, again.path) == ("unchanged", "v0001", first.path)
    assert store.versions(settings.publications_dir, TABLE) == ["v0001"]

    make_mart([*BASE_ROWS, ("RLQ", "2024-01-01", "2", 88, 61)])
    changed = publish([TABLE])[0]

    assert (changed.status, changed.version) == ("published", "v0002")
    assert store.versions(settings.publications_dir, TABLE) == ["v0001", "v0002"]
    assert latest(TABLE).version == "v0002"
    v1_manifest = json.loads((first.path / "manifest.json").read_text())
    assert _sha(first.path / f"{TABLE}.csv") == v1_manifest["files"][f"{TABLE}.csv"]["sha256"]  # v0001 untouched


def test_missing_mart_is_a_clear_error_and_publishes_nothing(settings):
    """
    GIVEN no warehouse has been built
    WHEN the table is published
    THEN SourceMissing says to run the dbt build, and no publication folder appears
    """
    with pytest.raises(SourceMissing, match="dbt build"):
        publish([TABLE])
    assert latest(TABLE) is None


def test_residents_of_wales_publish_as_outside_england_and_no_other_label_passes(settings, make_mart):
    """
    GIVEN a mart whose RLQ rows include attendances by residents of Wales, quintile 'outside_england'
    WHEN the table is published
    THEN the gate passes and the row is published with its counts rounded to 5; while a mart labelling the same
         row with any other non-quintile value ('wales') is blocked by the gate's imd_quintile value set
    """
    welsh = ("RLQ", "2024-01-01", "outside_england", 37, 26)
    make_mart([*BASE_ROWS, welsh])

    [result] = publish([TABLE])

    row = _csv_rows(settings.publications_dir / TABLE / result.version / f"{TABLE}.csv")[welsh[:3]]
    assert (row["attendances"], row["within_four_hours"], row["pct_within_four_hours"]) == ("35", "25", "71.4")
    make_mart([*BASE_ROWS, ("RLQ", "2024-01-01", "wales", 37, 26)])
    with pytest.raises(GateFailed) as caught:
        publish([TABLE])
    assert any("imd_quintile" in failure for failure in caught.value.failures)


def test_an_empty_source_never_published_is_nothing_yet_and_once_live_the_gate_refuses_it(settings, make_mart):
    """GIVEN a mart with no rows (its feeds have not arrived) and nothing published
    WHEN it is published THEN the result is 'empty', no version or candidate is written and no gate runs;
    AND once v0001 is live, an empty candidate is refused by the gate and v0001 stays live."""
    make_mart([], deliver=False)
    (result,) = publish(["ed_four_hour_performance"], settings=settings)
    assert (result.status, result.version, result.rows) == ("empty", "", 0)
    assert "nothing to publish yet" in result.line()
    assert not (settings.publications_dir / "ed_four_hour_performance" / "LATEST").exists()
    assert not list((settings.publications_dir / "ed_four_hour_performance").glob("v*"))

    make_mart(BASE_ROWS)
    assert publish(["ed_four_hour_performance"], settings=settings)[0].version == "v0001"
    make_mart([], deliver=False)
    with pytest.raises(GateFailed, match="at least one row"):
        publish(["ed_four_hour_performance"], settings=settings)
    assert (settings.publications_dir / "ed_four_hour_performance" / "LATEST").read_text().strip() == "v0001"
