"""National data opt-outs: people on the latest opt-out list are removed before anything is written.

Files are made here: an ECDS file of 40 people (lines 2-41) and NDOP lists naming some of them.
"""

from __future__ import annotations

import json

import duckdb

from ingest.load import ingest_file
from ingest.pseudonymise import pseudonym
from tests.conftest import TEST_KEY
from tests.ingest.ecds_rows import nhs_number, row, write_ecds


def write_optouts(path, list_date: str, serials: list[int]):
    path.write_text("list_date,nhs_number\n" + "".join(f"{list_date},{nhs_number(s)}\n" for s in serials))
    return path


def raw_person_ids(settings, feed: str) -> set[str]:
    return {r[0] for r in duckdb.sql(f"select person_id from read_parquet('{settings.raw_dir}/{feed}/*/*.parquet')")
            .fetchall()}


def test_people_on_the_opt_out_list_are_removed_and_only_counted(settings, tmp_path):
    """GIVEN an opt-out list naming 3 of the 40 people of an ECDS file (one of them twice in the file)
    WHEN the list and then the file are ingested
    THEN the 4 rows of those people are not in the lake, the other 36 are, the ledger keeps only the count, and
    the quarantine holds nothing (an opt-out is not a data error)."""
    optouts = write_optouts(tmp_path / "NDOP_OPTOUTS_202504.csv", "2025-04-30", [3, 17, 29])
    rows = [row(i) for i in range(40)]
    rows[39] = row(39, nhs_number=nhs_number(17))  # person 17 attends twice
    ecds = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", rows)

    listed = ingest_file(optouts, settings=settings)
    result = ingest_file(ecds, settings=settings)

    assert (listed.rows_accepted, listed.rows_opted_out) == (3, 0)
    assert (result.rows_received, result.rows_accepted, result.rows_rejected, result.rows_opted_out) == (40, 36, 0, 4)
    opted_out = {pseudonym(TEST_KEY.encode(), nhs_number(s)) for s in (3, 17, 29)}
    kept = raw_person_ids(settings, "rwp_ecds")
    assert not kept & opted_out
    assert kept == {pseudonym(TEST_KEY.encode(), nhs_number(i)) for i in range(39) if i not in (3, 17, 29)}
    assert not list(settings.quarantine_dir.rglob("*.parquet"))
    (entry,) = [json.loads(p.read_text()) for p in settings.ledger_dir.glob("*.json")
                if json.loads(p.read_text())["batch_id"] == result.batch_id]
    assert entry["rows_opted_out"] == 4
    assert not any(nhs_number(s) in json.dumps(entry) for s in (3, 17, 29))


def test_the_list_for_the_latest_period_applies_even_when_an_older_one_arrives_later(settings, tmp_path):
    """GIVEN the May list (persons 3 and 5) loaded, then April's list (person 3 only) delivered late
    WHEN an ECDS file is ingested
    THEN May's list applies: both people are removed."""
    ingest_file(write_optouts(tmp_path / "NDOP_OPTOUTS_202505.csv", "2025-05-31", [3, 5]), settings=settings)
    ingest_file(write_optouts(tmp_path / "NDOP_OPTOUTS_202504.csv", "2025-04-30", [3]), settings=settings)

    result = ingest_file(write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(40)]),
                         settings=settings)

    assert (result.rows_accepted, result.rows_opted_out) == (38, 2)
    assert pseudonym(TEST_KEY.encode(), nhs_number(5)) not in raw_person_ids(settings, "rwp_ecds")


def ledger_entry(settings, batch_id: str) -> dict:
    return json.loads((settings.ledger_dir / f"{batch_id}.json").read_text())


def test_an_opt_out_list_naming_someone_twice_loads_with_the_repeat_collapsed(settings, tmp_path):
    """GIVEN an opt-out list of two rows naming the same person (refused before as 50% duplicate keys)
    WHEN the list, then an ECDS file of 40 people, are ingested
    THEN the list loads: 2 received, 1 accepted, 1 collapsed, nothing quarantined, a warning in the result and
    the ledger; and that person's rows are removed from the ECDS file."""
    listed = ingest_file(write_optouts(tmp_path / "NDOP_OPTOUTS_202504.csv", "2025-04-30", [3, 3]), settings=settings)
    result = ingest_file(write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(40)]),
                         settings=settings)

    warning = "1 row repeating an earlier row in every column collapsed into it (contract duplicate_rows: collapse)"
    assert (listed.status, listed.rows_received, listed.rows_accepted, listed.rows_rejected) == ("loaded", 2, 1, 0)
    assert (listed.rows_collapsed, listed.rows_opted_out, listed.warnings) == (1, 0, [warning])
    entry = ledger_entry(settings, listed.batch_id)
    assert (entry["rows_collapsed"], entry["warnings"]) == (1, [warning])
    assert not list(settings.quarantine_dir.rglob("*.parquet"))
    assert (result.rows_accepted, result.rows_opted_out) == (39, 1)
    assert pseudonym(TEST_KEY.encode(), nhs_number(3)) not in raw_person_ids(settings, "rwp_ecds")


def test_repeats_written_differently_collapse_and_a_broken_row_is_still_quarantined(settings, tmp_path):
    """GIVEN a list naming person 17 twice (once written with spaces), person 29 three times, and one number
    with a bad check digit written twice
    WHEN it is ingested
    THEN 3 repeats collapse; both copies of the bad number are quarantined at their lines (the second as a
    repeated key too: only rows that pass their checks collapse); the 3 people load once."""
    n17, bad = nhs_number(17), nhs_number(40)[:9] + str((int(nhs_number(40)[9]) + 1) % 10)
    numbers = [nhs_number(3), n17, nhs_number(29), f"{n17[:3]} {n17[3:6]} {n17[6:]}", nhs_number(29), bad,
               nhs_number(29)] + [nhs_number(s) for s in range(50, 90)] + [bad]
    path = tmp_path / "NDOP_OPTOUTS_202504.csv"
    path.write_text("list_date,nhs_number\n" + "".join(f"2025-04-30,{n}\n" for n in numbers))

    listed = ingest_file(path, settings=settings)

    assert (listed.rows_received, listed.rows_accepted, listed.rows_rejected, listed.rows_collapsed) == (48, 43, 2, 3)
    lines = duckdb.sql(f"select line, rule_id from read_parquet('{settings.quarantine_dir}/*/*/*.parquet') "
                       "order by line, rule_id").fetchall()
    assert lines == [(7, "nhs_number.nhs_number"), (49, "nhs_number.nhs_number"), (49, "primary_key.duplicate")]
    assert len(raw_person_ids(settings, "ndop_optouts")) == 43


def test_an_ecds_file_with_a_repeated_row_still_quarantines_it(settings, tmp_path):
    """GIVEN an activity contract (duplicate_rows not set) and a file with an exact copy of a row
    WHEN ingested THEN the copy is quarantined as primary_key.duplicate, not collapsed."""
    rows = [row(i) for i in range(40)] + [row(7)]
    result = ingest_file(write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", rows), settings=settings)
    assert (result.rows_accepted, result.rows_rejected, result.rows_collapsed, result.warnings) == (40, 1, 0, [])
