"""Ingest of one ECDS file: row checks, quarantine, pseudonyms, ledger, duplicates, whole-file refusals."""

from __future__ import annotations

import json

import duckdb
import pytest

from ingest.errors import FileRejected
from ingest.load import ingest_file
from ingest.pseudonymise import pseudonym
from tests.conftest import TEST_KEY
from tests.ingest.ecds_rows import nhs_number, row, write_ecds


def quarantine(settings) -> list[tuple]:
    return duckdb.sql(
        f"select line, rule_id, column_name, value from read_parquet('{settings.quarantine_dir}/*/*/*.parquet') "
        "order by line, rule_id").fetchall()


def raw(settings, columns: str = "*") -> list[tuple]:
    return duckdb.sql(f"select {columns} from read_parquet('{settings.raw_dir}/*/*/*.parquet', "
                      "hive_partitioning=false) order by _source_line").fetchall()


def test_valid_rows_load_and_broken_rows_are_quarantined_with_line_and_rule(settings, tmp_path):
    """GIVEN 40 good rows plus one with a bad check digit and one that leaves before it arrives
    WHEN the file is ingested
    THEN 40 rows load, the two bad ones are quarantined with their rule and physical line, and the ledger agrees."""
    good = [row(i) for i in range(40)]
    bad_nhs = row(100, nhs_number=nhs_number(100)[:9] + str((int(nhs_number(100)[9]) + 1) % 10))
    backwards = row(101, arrival_datetime="2025-04-03 10:00:00", departure_datetime="2025-04-03 09:59:00")
    path = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", good + [bad_nhs, backwards])

    result = ingest_file(path, settings=settings)

    assert (result.status, result.rows_received, result.rows_accepted, result.rows_rejected) == ("loaded", 42, 40, 2)
    assert result.periods == ["2025-04-01"] and result.period_end == "2025-04-30"
    assert quarantine(settings) == [
        (42, "nhs_number.nhs_number", "nhs_number", "<withheld: personal field>"),
        (43, "departure_not_before_arrival", "arrival_datetime, departure_datetime",
         "2025-04-03 10:00:00 / 2025-04-03 09:59:00"),
    ]
    ledger = [json.loads(p.read_text()) for p in settings.ledger_dir.glob("*.json")]
    assert [(e["status"], e["rows_accepted"], e["rows_rejected"]) for e in ledger] == [("loaded", 40, 2)]



def test_quarantine_shows_the_delivered_text_of_a_cell_that_is_not_its_type(settings, tmp_path):
    """GIVEN rows whose acuity is '3x' and whose arrival is '2025-13-01 10:00:00' (neither parses)
    WHEN the file is ingested
    THEN each is quarantined under its type rule with the text as delivered, and the good rows load."""
    rows = [row(i) for i in range(60)] + [row(60, acuity="3x"), row(61, arrival_datetime="2025-13-01 10:00:00")]
    path = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", rows)

    result = ingest_file(path, settings=settings)

    assert (result.rows_accepted, result.rows_rejected) == (60, 2)
    assert quarantine(settings) == [(62, "acuity.type", "acuity", "3x"),
                                    (63, "arrival_datetime.type", "arrival_datetime", "2025-13-01 10:00:00")]

def test_nhs_number_becomes_keyed_pseudonym_and_dob_becomes_age(settings, tmp_path):
    """GIVEN one row WHEN ingested THEN person_id is HMAC-SHA-256 under the key, no NHS Number or DOB is kept."""
    path = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(1, date_of_birth="1970-05-17",
                                                                 arrival_datetime="2025-04-02 10:00:00")])
    ingest_file(path, settings=settings)
    ((person_id, age, band),) = raw(settings, "person_id, age_years, age_band")
    assert person_id == pseudonym(TEST_KEY.encode(), nhs_number(1))
    assert (age, band) == (54, "50-54")
    columns = duckdb.sql(f"describe select * from read_parquet('{settings.raw_dir}/*/*/*.parquet')").fetchall()
    assert not {"nhs_number", "date_of_birth"} & {c[0] for c in columns}


def test_same_bytes_twice_is_skipped_as_duplicate(settings, tmp_path):
    """GIVEN a loaded file WHEN the same bytes arrive again THEN nothing new is written to the lake."""
    path = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(5)])
    first = ingest_file(path, settings=settings)
    second = ingest_file(path, settings=settings)
    assert second.status == "duplicate" and second.duplicate_of == first.batch_id
    assert len(list(settings.raw_dir.glob("*/*/*.parquet"))) == 1
    assert len(raw(settings)) == 5


def test_rejection_rate_over_threshold_refuses_whole_file_and_loads_nothing(settings, tmp_path):
    """GIVEN a file where 3 of 10 rows have an unknown site (30% > the contract's 5%)
    WHEN ingested THEN FileRejected names the rule and first line, and no batch reaches the lake."""
    rows = [row(i) for i in range(7)] + [row(i, site_code="XXX99") for i in range(7, 10)]
    path = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", rows)
    with pytest.raises(FileRejected) as caught:
        ingest_file(path, settings=settings)
    assert caught.value.rule == "file.rejection_rate"
    assert "site_code.code_list" in str(caught.value) and caught.value.line == 9
    assert not settings.raw_dir.exists() or not list(settings.raw_dir.rglob("*.parquet"))
    ledger = [json.loads(p.read_text()) for p in settings.ledger_dir.glob("*.json")]
    assert [e["status"] for e in ledger] == ["rejected"]


def test_missing_column_refuses_file_naming_the_column(settings, tmp_path):
    """GIVEN a schema-drift file where acuity was renamed WHEN ingested THEN the refusal names both names."""
    from tests.ingest.ecds_rows import HEADER

    header = [("acuity_code" if h == "acuity" else h) for h in HEADER]
    rows = [{("acuity_code" if k == "acuity" else k): v for k, v in row(i).items()} for i in range(3)]
    path = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", rows, header=header)
    with pytest.raises(FileRejected) as caught:
        ingest_file(path, settings=settings)
    assert (caught.value.rule, caught.value.line, caught.value.expected, caught.value.found) == (
        "file.header", 1, "acuity", "acuity_code")


def test_without_key_ingest_refuses_to_start(settings, tmp_path, monkeypatch):
    """GIVEN no pseudonymisation key WHEN ingesting THEN it refuses before writing anything."""
    from config.settings import SettingsError

    monkeypatch.delenv("OUTCOMES_PSEUDONYM_KEY")
    path = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(1)])
    with pytest.raises(SettingsError, match="OUTCOMES_PSEUDONYM_KEY"):
        ingest_file(path, settings=settings)
    assert not settings.lake_dir.exists()


def test_vectorised_hmac_equals_the_standard_hmac():
    """GIVEN keys shorter and longer than a SHA-256 block, and a key outside ASCII
    WHEN the vectorised HMAC runs over texts (empty, long, non-ASCII, null)
    THEN each pseudonym equals hmac.new's and null stays null."""
    import pyarrow as pa

    from ingest.pseudonymise import hmac_hex, pseudonym

    messages = ["9434765919", "", "x" * 200, "café", None]
    for key in (b"short-key-0123456789", b"k" * 64, b"a-very-long-key-" * 10, "clé-ünïcode-0123".encode()):
        got = hmac_hex(pa.array(messages, type=pa.string()), key).to_pylist()
        assert got == [pseudonym(key, m) if m is not None else None for m in messages]


def test_a_claimed_file_is_found_in_the_archive_after_ingest(settings):
    """GIVEN a file claimed from landing and ingested (so moved to the archive)
    WHEN the same task runs again with the inbox path THEN locate finds the archived copy, which is a duplicate."""
    from ingest.claim import claim_files, locate

    landing = settings.landing_dir / "RWP" / "ecds"
    landing.mkdir(parents=True)
    write_ecds(landing / "RWP_ECDS_2025-04.csv", [row(i) for i in range(3)])
    (claimed,) = claim_files("rwp_ecds", settings)
    first = ingest_file(claimed, settings=settings)
    again = ingest_file(locate(claimed, "rwp_ecds", settings), settings=settings)
    assert first.status == "loaded" and again.status == "duplicate" and again.duplicate_of == first.batch_id
    with pytest.raises(FileNotFoundError, match="not in the inbox and not in the archive"):
        locate(settings.inbox_dir / "x" / "RWP_ECDS_1999-01.csv", "rwp_ecds", settings)


@pytest.mark.parametrize("also_group", [False, True], ids=["alone", "in_a_group"])
def test_line_numbers_stay_exact_deep_into_a_large_file(settings, tmp_path, also_group):
    """GIVEN a 300,000-row ECDS file (many of DuckDB's row groups) with a broken row near its end, read alone or
    in a group with a second file
    WHEN it is ingested
    THEN the broken row is quarantined with its physical line, and every loaded row's _source_line is the line
    its attendance id was written on (the typed table's order is not the file's: issue 18's bench found lines
    off by up to 400,000)."""
    from ingest.load import ingest_files

    n, broken = 300_000, 287_654
    rows = [row(i) for i in range(n)]
    rows[broken] = row(broken, acuity="9x")
    big = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", rows)
    if also_group:
        small = write_ecds(tmp_path / "RWP_ECDS_2025-05.csv", [row(n + i, arrival_datetime="2025-05-02 10:00:00",
                                                                 departure_datetime="2025-05-02 11:00:00")
                                                             for i in range(50)])
        ingest_files([small, big], feed_id="rwp_ecds", settings=settings)
    else:
        ingest_file(big, settings=settings)

    assert quarantine(settings) == [(broken + 2, "acuity.type", "acuity", "9x")]
    wrong = duckdb.sql(
        f"select count(*) from read_parquet('{settings.raw_dir}/*/*/*.parquet', hive_partitioning=false) "
        "where _source_line <> cast(substr(attendance_id, 4) as bigint) - "
        f"(case when cast(substr(attendance_id, 4) as bigint) >= {n} then {n} else 0 end) + 2").fetchall()
    assert wrong == [(0,)]
