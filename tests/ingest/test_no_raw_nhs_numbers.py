"""No raw NHS Number from the inputs exists anywhere but the identifiable zone: a scan of the whole working folder.

The delivered files go the way partners send them: dropped into landing, claimed into the inbox, ingested and
archived. Those three (landing, inbox, archive) are the identifiable zone, whose root is the only place raw
NHS Numbers may be. Everything else under the working folder is searched: the lake (raw batches, quarantine,
ledger), the warehouse, logs, alerts, publications, whatever a later stage adds. Each file is searched byte for
byte, and every Parquet and DuckDB file is also read (decompressed) with DuckDB and every column searched as text.
The numbers searched for are those of the NHS Number columns and those typed into free-text comments (spaced or
not: a match is any ten digits in a row).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import duckdb
import nhs_number
import pandas as pd
import pytest

from config import names
from config.contracts import Contract, contract_for_file, load_contracts
from config.settings import Settings, get_settings
from ingest.claim import claim_files
from ingest.errors import FileRejected
from ingest.load import ingest_files
from outcomes.airflow_local import drop_files

_DIGITS = re.compile(rb"[0-9]{10,}")
_SPACED = re.compile(rb"(?<![0-9])([0-9]{3})[ -]?([0-9]{3})[ -]?([0-9]{4})(?![0-9])")  # as typed: 943 476 5919


def digit_windows(data: bytes) -> set[str]:
    """Every 10-digit substring of every run of 10 or more digits (a number hidden in a longer run counts), and
    every ten digits written in threes and a four with spaces or hyphens (as people type NHS Numbers)."""
    out: set[str] = set()
    for run in _DIGITS.findall(data):
        text = run.decode("ascii")
        out.update(text[i:i + 10] for i in range(len(text) - 9))
    out.update(b"".join(parts).decode("ascii") for parts in _SPACED.findall(data))
    return out


def found_in_bytes(path: Path, numbers: set[str]) -> set[str]:
    return digit_windows(path.read_bytes()) & numbers


def _text_values(con: duckdb.DuckDBPyConnection, relation: str) -> bytes:
    cols = [r[0] for r in con.execute(f"describe select * from {relation}").fetchall()]
    if not cols:
        return b""
    casts = ", ".join(f'coalesce(cast("{c}" as varchar), \'\')' for c in cols)
    rows = con.execute(f"select concat_ws(' ', {casts}) from {relation}").fetchall()
    return "\n".join(r[0] for r in rows).encode("utf-8")


def found_in_tables(path: Path, numbers: set[str]) -> set[str]:
    """Numbers found in any column (as text) of a Parquet file or of any table of a DuckDB database file."""
    if path.suffix == ".parquet":
        with duckdb.connect() as con:
            return digit_windows(_text_values(con, f"read_parquet('{path}')")) & numbers
    if path.suffix == ".duckdb":
        with duckdb.connect(str(path), read_only=True) as con:
            tables = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
            hits: set[str] = set()
            for schema, table in tables:
                hits |= digit_windows(_text_values(con, f'"{schema}"."{table}"')) & numbers
            return hits
    return set()


def _rows(path: Path, contract: Contract) -> list:
    if contract.file.format == "xlsx":
        frame = pd.read_excel(path, sheet_name=contract.file.sheet or 0, dtype=str, header=0)
        return list(frame.itertuples(index=False, name=None))
    data = path.read_bytes()
    try:
        text = data.decode(contract.file.encoding)
    except UnicodeDecodeError:
        text = data.decode("windows-1252")
    return list(csv.reader(io.StringIO(text), delimiter=contract.file.delimiter))[1:]


def _cells(rows: list, positions: list[int]):
    for r in rows:
        for i in positions:
            if i < len(r) and isinstance(r[i], str):
                yield r[i]


def nhs_numbers_in(path: Path, contract: Contract) -> set[str]:
    """Every value of the file's NHS Number column(s), found by position (a drifted header may rename them)."""
    positions = [i for i, c in enumerate(contract.columns) if c.check == "nhs_number"]
    values = set()
    for cell in _cells(_rows(path, contract), positions):
        value = re.sub(r"[ -]", "", cell.strip())
        if re.fullmatch(r"[0-9]{10}", value):
            values.add(value)
    return values


def nhs_numbers_typed_in_free_text(path: Path, contract: Contract) -> set[str]:
    """Every NHS Number (valid check digit; spaced, hyphenated or not) typed into a free-text column."""
    positions = [i for i, c in enumerate(contract.columns) if c.free_text in ("redact", "drop")]
    typed = "\n".join(_cells(_rows(path, contract), positions)).encode("utf-8")
    return {n for n in digit_windows(typed) if nhs_number.is_valid(n)}


@pytest.fixture
def synthetic_inputs(settings, tmp_path_factory, monkeypatch):
    """GIVEN a small synthetic data set (about 20,000 people, 2 months, every feed with a contract), every free-text
    comment with an identifier typed into it (one in five an NHS Number)."""
    from synth import SynthConfig, generate
    from synth.config import DEFAULT_DEFECT_RATES
    from synth.feeds import registry

    monkeypatch.setenv("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", "1")
    allowing = get_settings()
    feeds = sorted({c.feed_id for c in load_contracts(allowing.contracts_dir)} & set(registry()))
    out = tmp_path_factory.mktemp("synth")
    rates = {**DEFAULT_DEFECT_RATES, "identifier_in_free_text": 1.0}
    report = generate(SynthConfig(out_dir=out, population=20_000, months=2, feeds=feeds, defect_rates=rates))
    return allowing, report


def deliver_claim_and_ingest(settings: Settings, files: list[Path]) -> dict[str, int]:
    """Drop every file into its feed's landing folder, claim each feed's files, ingest them all; count outcomes."""
    by_contract: dict[str, tuple[Contract, list[Path]]] = {}
    for path in files:
        contract = contract_for_file(settings.contracts_dir, path.name)
        by_contract.setdefault(contract.feed_id, (contract, []))[1].append(path)
    claimed: list[str] = []
    for feed_id, (contract, paths) in by_contract.items():
        drop_files(paths, names.landing_folder(settings, contract), zone_root=settings.identifiable_dir)
        claimed += claim_files(feed_id, settings)
    outcomes = {"loaded": 0, "duplicate": 0, "rejected": 0}
    for outcome in ingest_files(claimed, settings=settings):
        if isinstance(outcome, FileRejected):
            outcomes["rejected"] += 1  # synth injects whole-file defects (empty, drift, encoding)
        elif isinstance(outcome, Exception):
            raise outcome
        else:
            outcomes[outcome.status] += 1
    return outcomes


def test_no_raw_nhs_number_is_found_outside_the_identifiable_zone(synthetic_inputs, tmp_path):
    """GIVEN every synthetic file delivered through landing, claimed and ingested (refusals caught)
    WHEN every file under the working folder is searched, raw and decompressed
    THEN not one NHS Number from the inputs (valid or not, in an NHS Number column or typed into free text) is
    found outside the identifiable zone; and the search does find them in the zone's archived copies and inside a
    compressed Parquet holding one, so it could fail."""
    settings, report = synthetic_inputs
    numbers: set[str] = set()
    in_free_text: set[str] = set()
    for path in sorted(report.files):
        if path.stat().st_size:
            contract = contract_for_file(settings.contracts_dir, path.name)
            numbers |= nhs_numbers_in(path, contract)
            in_free_text |= nhs_numbers_typed_in_free_text(path, contract)

    outcomes = deliver_claim_and_ingest(settings, sorted(report.files))

    # The inputs are what we think: many numbers, data was loaded, files were refused, all of them archived.
    assert len(numbers) > 5_000 and in_free_text
    numbers |= in_free_text
    assert outcomes["loaded"] > len(report.files) // 2 and outcomes["rejected"] >= 1
    assert list(settings.raw_dir.rglob("*.parquet")) and list(settings.quarantine_dir.rglob("*.parquet"))
    assert settings.identifiable_dir.is_relative_to(settings.work_dir), "the zone is inside the folder scanned"

    # The decompressed search finds a number inside a column of a zstd-compressed Parquet file, spaced or not.
    canary, typed = sorted(numbers)[0], sorted(in_free_text)[0]
    spaced = f"{typed[:3]} {typed[3:6]} {typed[6:]}"
    probe = tmp_path / "probe.parquet"
    duckdb.sql(f"copy (select 'note ' || i || ' re {canary} or {spaced}' as note from range(2000) t(i)) "
               f"to '{probe}' (format parquet, compression zstd)")
    assert found_in_tables(probe, numbers) == {canary, typed}

    scanned, leaks, in_zone = 0, {}, set()
    for path in sorted(settings.work_dir.rglob("*")):
        if not path.is_file():
            continue
        if path.is_relative_to(settings.identifiable_dir):
            in_zone |= found_in_bytes(path, numbers)
            continue
        scanned += 1
        hits = found_in_bytes(path, numbers) | found_in_tables(path, numbers)
        if hits:
            leaks[str(path.relative_to(settings.work_dir))] = sorted(hits)[:5]
    assert len(in_zone) > 0.9 * len(numbers), "the archived originals hold the numbers: the search sees them"
    assert in_zone & in_free_text, "and those typed into comments"
    assert scanned > 20
    assert leaks == {}
