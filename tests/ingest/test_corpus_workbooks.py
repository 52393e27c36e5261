"""Workbook deliveries (the Herefordshire Council reablement feed, XLSX): what loads and what is refused whole.

The CSV corpus (test_corpus.py) holds the text edges; these are the workbook's own: dates typed as text, a
header in capitals, a truncated or damaged workbook, CSV bytes in a file named ``.xlsx``, a renamed sheet.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingest.errors import FileRejected
from ingest.load import ingest_file
from lake.ledger import read_entries
from tests.ingest.reablement_rows import HEADER, NAME, as_text, episode, write_workbook

GOOD = 40


def raw(settings, columns: str) -> list[tuple]:
    files = [str(f) for f in settings.raw_dir.rglob("*.parquet")]
    return duckdb.sql(f"select {columns} from read_parquet({files}) order by _source_line").fetchall()


def quarantine(settings) -> list[tuple]:
    files = [str(f) for f in settings.quarantine_dir.rglob("*.parquet")]
    if not files:
        return []
    return duckdb.sql(f"select line::int, rule_id, value from read_parquet({files}) order by line, rule_id").fetchall()


def nothing_in_lake(settings) -> bool:
    return not list(settings.raw_dir.rglob("*.parquet")) and not list(settings.quarantine_dir.rglob("*.parquet"))


def expected_discharges() -> list[tuple]:
    return [(date(2025, 4, i % 28 + 1), date(2025, 4, i % 28 + 2)) for i in range(GOOD)]


def test_excel_typed_dates_load(settings, tmp_path):
    """GIVEN a workbook whose dates are Excel dates WHEN ingested THEN every episode loads with its dates."""
    path = write_workbook(tmp_path / NAME, [episode(i) for i in range(GOOD)])

    result = ingest_file(path, settings=settings)

    assert (result.rows_received, result.rows_accepted, result.rows_rejected) == (GOOD, GOOD, 0)
    assert raw(settings, "hospital_discharge_date, reablement_start_date") == expected_discharges()
    assert result.periods == ["2025-04-01"] and result.warnings == []


def test_dates_typed_as_text_are_read_with_the_contract_date_format(settings, tmp_path):
    """GIVEN a council workbook whose dates are typed as text ('01/04/2025'), one of them impossible (31/02/2025)
    WHEN it is ingested
    THEN the episodes load with the dates the text says (age from the text date of birth too), and only the
    impossible date is quarantined, at its sheet row, under its type rule with the text as delivered."""
    rows = [as_text(episode(i)) for i in range(GOOD)] + [as_text(episode(100, hospital_discharge_date="31/02/2025"))]
    path = write_workbook(tmp_path / NAME, rows)

    result = ingest_file(path, settings=settings)

    assert (result.rows_received, result.rows_accepted, result.rows_rejected) == (GOOD + 1, GOOD, 1)
    assert raw(settings, "hospital_discharge_date, reablement_start_date") == expected_discharges()
    assert {r[0] for r in raw(settings, "age_years")} == {85}
    assert quarantine(settings) == [(GOOD + 2, "hospital_discharge_date.type", "31/02/2025")]


def test_excel_dates_and_text_dates_mixed_in_one_column_both_load(settings, tmp_path):
    """GIVEN a workbook where every other episode has its dates as text, the others as Excel dates
    WHEN ingested THEN all load with the same dates as if every cell were an Excel date."""
    rows = [as_text(episode(i)) if i % 2 else episode(i) for i in range(GOOD)]
    path = write_workbook(tmp_path / NAME, rows)

    result = ingest_file(path, settings=settings)

    assert (result.rows_accepted, result.rows_rejected) == (GOOD, 0)
    assert raw(settings, "hospital_discharge_date, reablement_start_date") == expected_discharges()


def test_header_in_capitals_loads_with_a_warning(settings, tmp_path):
    """GIVEN a workbook whose header is written in capitals WHEN ingested THEN it loads, with a warning naming
    each name matched ignoring case, in the result and the ledger."""
    path = write_workbook(tmp_path / NAME, [episode(i) for i in range(GOOD)], header=[h.upper() for h in HEADER])

    result = ingest_file(path, settings=settings)

    warning = "header names matched ignoring case: " + ", ".join(f"{h.upper()} -> {h}" for h in HEADER)
    assert (result.rows_accepted, result.warnings) == (GOOD, [warning])
    assert len(raw(settings, "episode_id")) == GOOD
    (entry,) = read_entries(settings)
    assert entry["warnings"] == [warning]


# ---------------------------------------------------------------------------------------------------------------
# Workbooks refused as a whole: a named rule, the file, what was expected and found; nothing in the lake.
# ---------------------------------------------------------------------------------------------------------------


def _truncated(d: Path) -> Path:
    path = write_workbook(d / NAME, [episode(i) for i in range(GOOD)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


def _csv_bytes(d: Path) -> Path:
    (d / NAME).write_text(",".join(HEADER) + "\n" + "EP00001,9434765919\n")
    return d / NAME


def _renamed_sheet(d: Path) -> Path:
    return write_workbook(d / NAME, [episode(i) for i in range(GOOD)], sheet="Sheet1")


def _broken_sheet_xml(d: Path) -> Path:
    """A sound zip archive whose sheet's XML stops half way (the workbook opens; its rows cannot be read)."""
    path = write_workbook(d / NAME, [episode(i) for i in range(GOOD)])
    members = {}
    with zipfile.ZipFile(path) as src:
        for info in src.infolist():
            members[info.filename] = src.read(info.filename)
    sheet = next(n for n in members if n.startswith("xl/worksheets/sheet"))
    members[sheet] = members[sheet][: len(members[sheet]) // 2]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, body in members.items():
            out.writestr(name, body)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize(("build", "rule", "expected", "found_has"), [
    (_truncated, "file.format", "an Excel workbook (XLSX)", "a damaged or truncated zip archive"),
    (_csv_bytes, "file.format", "an Excel workbook (XLSX)", "text, not a workbook"),
    (_broken_sheet_xml, "file.format", "an Excel workbook (XLSX)", "the sheet Reablement cannot be read"),
    (_renamed_sheet, "file.sheet", "a sheet named Reablement", "sheets: Sheet1"),
], ids=["truncated_workbook", "csv_bytes_named_xlsx", "sheet_xml_cut_short", "sheet_renamed"])
def test_workbook_refused_with_a_named_rule(settings, tmp_path, build, rule, expected, found_has):
    """GIVEN a workbook that cannot be read as the contract's (truncated, CSV bytes, damaged sheet, renamed sheet)
    WHEN it is ingested
    THEN it is refused by the named rule, naming the file, what was expected and what was found; nothing reaches
    the lake and the ledger records the refusal."""
    path = build(tmp_path)

    with pytest.raises(FileRejected) as caught:
        ingest_file(path, settings=settings)

    exc = caught.value
    assert (exc.rule, exc.file, exc.expected) == (rule, NAME, expected)
    assert found_has in exc.found and NAME in exc.describe()
    assert nothing_in_lake(settings)
    assert [(e["status"], e["rule"]) for e in read_entries(settings)] == [("rejected", rule)]
