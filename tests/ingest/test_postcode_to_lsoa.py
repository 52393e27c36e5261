"""A postcode, if a feed sends one, becomes an LSOA at ingest and the postcode itself is never kept."""

from __future__ import annotations

import gzip

import duckdb
import pytest

from config.settings import get_settings
from ingest.load import ingest_file
from tests.ingest.small_contracts import small_contract, use_contracts

CONTRACT = small_contract("pc", [
    {"name": "record_id", "type": "varchar", "nullable": False, "free_text": "none"},
    {"name": "postcode", "type": "varchar", "personal": "postcode_to_lsoa"},
    {"name": "event_date", "type": "date", "nullable": False},
], primary_key="record_id", period_column="event_date")


@pytest.fixture
def postcode_setup(tmp_path, monkeypatch, settings):
    use_contracts(tmp_path / "contracts", monkeypatch, CONTRACT)
    reference = tmp_path / "reference" / "postcodes"
    reference.mkdir(parents=True)
    with gzip.open(reference / "postcode_lsoa11.csv.gz", "wt") as fh:
        fh.write("postcode,lsoa11_code\nWR5 1DD,E01032271\nHR1 2ER,E01013935\n")
    monkeypatch.setenv("OUTCOMES_REFERENCE_DIR", str(tmp_path / "reference"))
    return get_settings()


def test_postcode_becomes_lsoa_and_is_not_kept(postcode_setup, tmp_path):
    """GIVEN rows with postcodes in any spacing and case, one unknown WHEN ingested
    THEN each row has the looked-up LSOA (null when unknown) and no postcode column or value survives."""
    settings = postcode_setup
    path = tmp_path / "TST_PC_2025-04.csv"
    path.write_text("record_id,postcode,event_date\nr1,WR5 1DD,2025-04-01\nr2,hr12er,2025-04-02\n"
                    "r3,ZZ9 9ZZ,2025-04-03\nr4,,2025-04-04\n")
    result = ingest_file(path, settings=settings)
    assert result.rows_accepted == 4
    rows = duckdb.sql(f"select * from read_parquet('{settings.raw_dir}/tst_pc/*/*.parquet') order by record_id")
    assert "postcode" not in rows.columns and "postcode_lsoa11" in rows.columns
    assert [r for r in rows.select("record_id, postcode_lsoa11").fetchall()] == [
        ("r1", "E01032271"), ("r2", "E01013935"), ("r3", None), ("r4", None)]
    raw_bytes = b"".join(p.read_bytes() for p in settings.raw_dir.rglob("*.parquet"))
    assert b"WR5" not in raw_bytes and b"HR1" not in raw_bytes


def test_missing_postcode_lookup_is_a_clear_error(postcode_setup, tmp_path):
    """GIVEN no lookup file WHEN a postcode feed is ingested THEN the error names the missing file."""
    settings = postcode_setup
    (settings.reference_dir / "postcodes" / "postcode_lsoa11.csv.gz").unlink()
    path = tmp_path / "TST_PC_2025-04.csv"
    path.write_text("record_id,postcode,event_date\nr1,WR5 1DD,2025-04-01\n")
    with pytest.raises(FileNotFoundError, match="postcode_lsoa11.csv.gz"):
        ingest_file(path, settings=settings)
    assert not list(settings.staging_tmp_dir.glob("*")) if settings.staging_tmp_dir.exists() else True
