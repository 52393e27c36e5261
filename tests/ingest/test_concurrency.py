"""Many ingest processes at once, and a process killed mid-ingest: nothing partial is ever visible."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ingest.load import ingest_file
from lake.ledger import read_entries
from tests.conftest import TEST_KEY
from tests.ingest.ecds_rows import row, write_ecds

OUTCOMES = Path(sys.executable).with_name("outcomes")
MONTHS = ["2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12",
          "2026-01", "2026-02", "2026-03"]


def month_rows(month: str, n: int, serial0: int) -> list[dict[str, str]]:
    return [row(serial0 + i, attendance_id=f"ATT{serial0 + i:07d}",
                arrival_datetime=f"{month}-{i % 28 + 1:02d} 10:00:00",
                departure_datetime=f"{month}-{i % 28 + 1:02d} 12:30:00") for i in range(n)]


def cli_env(settings) -> dict[str, str]:
    return {**os.environ, "OUTCOMES_WORK_DIR": str(settings.work_dir), "OUTCOMES_PSEUDONYM_KEY": TEST_KEY}


def raw_rows_by_batch(settings) -> dict[str, int]:
    files = sorted(settings.raw_dir.rglob("*.parquet"))
    if not files:
        return {}
    return dict(duckdb.sql(f"select _batch_id, count(*) from read_parquet({[str(f) for f in files]}, "
                           "hive_partitioning=false) group by 1").fetchall())


def test_many_files_ingested_at_once_by_separate_processes(settings, tmp_path):
    """GIVEN 12 distinct monthly files (different sizes) plus 4 exact byte-copies of some of them
    WHEN 16 `outcomes ingest` processes start at once, one per file
    THEN every distinct file is loaded exactly once, every copy is recorded as 'duplicate' of the batch that
    loaded its bytes, the lake holds exactly the distinct files' rows, and no batch is left in lake/_incoming."""
    src = tmp_path / "delivered"
    src.mkdir()
    expected_rows: dict[str, int] = {}
    paths = []
    for k, month in enumerate(MONTHS):
        n = 50 + 37 * k
        path = write_ecds(src / f"RWP_ECDS_{month}.csv", month_rows(month, n, serial0=k * 10_000))
        expected_rows[path.name] = n
        paths.append(path)
    copies = src / "copies"
    copies.mkdir()
    for original in (paths[0], paths[3], paths[3], paths[11]):  # paths[3] is delivered three times in all
        twin = copies / str(len(list(copies.iterdir()))) / original.name  # same name: it declares the same period
        twin.parent.mkdir()
        shutil.copyfile(original, twin)
        paths.append(twin)

    procs = [subprocess.Popen([str(OUTCOMES), "ingest", "--json", str(p)], env=cli_env(settings),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for p in paths]
    outputs = [p.communicate(timeout=120) for p in procs]

    assert [p.returncode for p in procs] == [0] * len(paths), [err for _, err in outputs if err]
    printed = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    entries = read_entries(settings)
    loaded = [e for e in entries if e["status"] == "loaded"]
    duplicates = [e for e in entries if e["status"] == "duplicate"]
    assert len(entries) == 16 and len(loaded) == 12 and len(duplicates) == 4
    assert len({e["sha256"] for e in loaded}) == 12
    by_batch = {e["batch_id"]: e for e in loaded}
    for dup in duplicates:
        assert by_batch[dup["duplicate_of"]]["sha256"] == dup["sha256"]
    assert sorted(r["status"] for r in printed) == ["duplicate"] * 4 + ["loaded"] * 12
    assert raw_rows_by_batch(settings) == {e["batch_id"]: expected_rows_for(e, expected_rows) for e in loaded}
    assert sum(raw_rows_by_batch(settings).values()) == sum(expected_rows.values())
    assert sorted(p.name for p in settings.raw_dir.joinpath("rwp_ecds").iterdir()) == sorted(
        f"batch_id={e['batch_id']}" for e in loaded)
    assert list(settings.staging_tmp_dir.iterdir()) == []


def expected_rows_for(entry: dict, expected_rows: dict[str, int]) -> int:
    """The loaded batch of a set of twins may be any of them (whoever committed first): match by row count."""
    return expected_rows[entry["file"]]


def test_process_killed_mid_ingest_leaves_no_visible_batch_and_reingest_loads_once(settings, tmp_path):
    """GIVEN an ingest process writing a large file's batch
    WHEN it is killed with SIGKILL while its batch is still under lake/_incoming
    THEN no ledger row exists (dbt never sees the batch) and no batch was renamed into the lake;
    and WHEN the same file is ingested again THEN it loads exactly once with every row."""
    n = 200_000
    path = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", month_rows("2025-04", n, serial0=0))
    proc = subprocess.Popen([str(OUTCOMES), "ingest", str(path)], env=cli_env(settings),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    writing = None
    while time.monotonic() < deadline and proc.poll() is None:
        found = list(settings.staging_tmp_dir.glob("*/raw")) if settings.staging_tmp_dir.exists() else []
        if found:  # the batch's Parquet is being written: kill now, before the commit
            writing = found[0].parent
            break
        time.sleep(0.001)
    if writing is None:
        proc.kill()
        pytest.fail("the ingest process finished (or never wrote its batch) before it could be killed")
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL

    assert read_entries(settings) == []  # no commit point: nothing downstream can see the batch
    assert raw_rows_by_batch(settings) == {}
    assert not settings.raw_dir.exists() or not list(settings.raw_dir.rglob("*.parquet"))

    result = ingest_file(path, settings=settings)

    assert (result.status, result.rows_accepted) == ("loaded", n)
    entries = read_entries(settings)
    assert [(e["status"], e["batch_id"]) for e in entries] == [("loaded", result.batch_id)]
    assert raw_rows_by_batch(settings) == {result.batch_id: n}
    again = ingest_file(path, settings=settings)
    assert (again.status, again.duplicate_of) == ("duplicate", result.batch_id)
    assert raw_rows_by_batch(settings) == {result.batch_id: n}
    # The killed run's half-written folder stays under _incoming (never read); only it is left there.
    assert [p.name for p in settings.staging_tmp_dir.iterdir()] == [writing.name]
