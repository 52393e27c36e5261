"""Free text at the ingest boundary: ``redact`` columns reach the lake with identifiers replaced and counted per
file in the ledger; ``drop`` columns do not reach it; neither shows its text in the quarantine."""

from __future__ import annotations

import duckdb
import pytest

from config.contracts import load_contract
from config.settings import get_settings
from ingest import load
from ingest.load import ingest_file, ingest_files
from ingest.row_checks import WITHHELD
from lake.ledger import read_entries
from tests.ingest.feedback_rows import write_feedback
from tests.ingest.small_contracts import small_contract, use_contracts
from transform.sources import raw_columns

PLAIN = "Waited five hours to be seen."


def raw_comments(settings, feed_id: str) -> dict[str, str]:
    return dict(duckdb.sql(f"select feedback_id, comment from read_parquet('{settings.raw_dir}/{feed_id}/*/*.parquet')")
                .fetchall())


def test_identifiers_in_comments_are_redacted_and_counted_per_file_in_the_ledger(settings, tmp_path, monkeypatch):
    """GIVEN two Healthwatch files of one layout (no quoted cells), one with identifiers in two comments, one without
    WHEN ingested together (one group)
    THEN the lake holds the placeholders and none of the identifiers, and each file's ledger entry and result
    count its own redactions by type."""
    identifiers = ["my NHS number is 943 476 5919; ring 01432 355444", "ann@example.com; HR1 2ER; seen 12/09/2025"]
    first = write_feedback(tmp_path / "HWH_Feedback_2025-10.csv", [*identifiers] + [PLAIN] * 20)
    second = write_feedback(tmp_path / "HWH_Feedback_2025-11.csv", [PLAIN] * 20)
    groups = []
    real = load.check_and_write
    monkeypatch.setattr(load, "check_and_write", lambda g, *a: groups.append(len(g)) or real(g, *a))

    results = ingest_files([first, second], settings=settings)

    assert groups == [2]
    assert results[0].redactions == {"DATE": 1, "EMAIL": 1, "NHS_NUMBER": 1, "PHONE_NUMBER": 1, "POSTCODE": 1}
    assert results[1].redactions == {}
    assert "redacted 5 identifiers in free text (DATE 1, EMAIL 1" in results[0].summary()
    ledger = {e["file"]: e for e in read_entries(settings)}
    assert ledger[first.name]["redactions"] == results[0].redactions
    assert ledger[second.name]["redactions"] == {}
    comments = raw_comments(settings, "hwherefs_feedback")
    assert comments[f"{first.stem}-0"] == "my NHS number is [NHS_NUMBER]; ring [PHONE_NUMBER]"
    assert comments[f"{first.stem}-1"] == "[EMAIL]; [POSTCODE]; seen [DATE]"
    assert comments[f"{second.stem}-3"] == PLAIN and len(comments) == 42
    lake = b"".join(p.read_bytes() for p in settings.lake_dir.rglob("*") if p.is_file())
    for raw in (b"9434765919", b"943 476 5919", b"355444", b"ann@example", b"HR1 2ER", b"12/09/2025"):
        assert raw not in lake


NOTES = small_contract("notes", [
    {"name": "record_id", "type": "varchar", "nullable": False, "free_text": "none"},
    {"name": "event_date", "type": "date", "nullable": False},
    {"name": "comment", "type": "varchar", "free_text": "redact"},
    {"name": "staff_note", "type": "varchar", "free_text": "drop"},
], primary_key="record_id", period_column="event_date", rules=[
    {"id": "comment_short", "description": "a comment of at most 40 characters", "sql": "length(comment) <= 40",
     "columns": ["comment"]}])


@pytest.fixture
def notes_settings(tmp_path, monkeypatch, settings):
    use_contracts(tmp_path / "contracts", monkeypatch, NOTES)
    return get_settings()


def test_dropped_free_text_is_not_kept_and_free_text_is_withheld_from_the_quarantine(notes_settings, tmp_path):
    """GIVEN a feed with a redacted comment (at most 40 characters by a row rule) and a dropped staff note
    WHEN a file with a too-long comment holding an NHS Number is ingested
    THEN the staff note is in neither the lake nor the dbt source; the broken row is quarantined with its
    comment withheld; no NHS Number or note text is anywhere in the lake."""
    settings = notes_settings
    path = tmp_path / "TST_NOTES_2025-04.csv"
    path.write_text("record_id,event_date,comment,staff_note\n"
                    "r1,2025-04-01,call 01905 763933,called back Mrs Jones on 9434765919\n"
                    "r2,2025-04-02,a very long comment that names 943 476 5919 and goes on,\n"
                    "r3,2025-04-03,,\n")
    result = ingest_file(path, settings=settings)
    assert (result.rows_accepted, result.rows_rejected) == (2, 1)
    assert result.redactions == {"PHONE_NUMBER": 1}
    rows = duckdb.sql(f"select * from read_parquet('{settings.raw_dir}/tst_notes/*/*.parquet') order by record_id")
    assert "staff_note" not in rows.columns
    assert rows.select("record_id, comment").fetchall() == [("r1", "call [PHONE_NUMBER]"), ("r3", None)]
    quarantine = duckdb.sql(f"select line, rule_id, value from read_parquet('{settings.quarantine_dir}/*/*/*.parquet')")
    assert quarantine.fetchall() == [(3, "comment_short", WITHHELD)]
    lake = b"".join(p.read_bytes() for p in settings.lake_dir.rglob("*") if p.is_file())
    assert b"9434765919" not in lake and b"943 476 5919" not in lake and b"Jones" not in lake
    contract = load_contract(settings.contracts_dir / "tst_notes.yaml")
    assert "staff_note" not in [c["name"] for c in raw_columns(contract)]
