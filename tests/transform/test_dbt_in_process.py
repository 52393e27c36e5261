"""dbt run inside the calling process (transform.build.invoke_in_process), as the Airflow build task does: the same
warehouse as a dbt subprocess builds, the caller's environment and folder given back, and the warehouse closed
afterwards (no write-ahead log left for the snapshot's copy to miss, no lock held). A real ingest and real dbt."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb

from ingest.load import ingest_file
from tests.ingest.ecds_rows import row, write_ecds
from transform.build import build, run_dbt
from transform.build_state import pending_changes


def mart_and_lake(path) -> tuple[int, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        lake = con.sql("select count(*) from lake.rwp_ecds").fetchall()[0][0]
        mart = con.sql("select coalesce(sum(attendances), 0) from marts.ed_four_hour_performance").fetchall()[0][0]
    return lake, mart


def test_an_in_process_build_gives_the_warehouse_a_subprocess_build_gives_and_closes_it(settings, tmp_path):
    """GIVEN April (20 attendances) built by a dbt subprocess (``python -m transform.dbt_process``, which ends
    without the interpreter's teardown: it must still leave the warehouse checkpointed and nothing for
    multiprocessing's resource tracker to report) WHEN May (12) is built by dbt in this process THEN the warehouse
    and its snapshot count both months, the write-ahead log is checkpointed into the file, another process can open
    the warehouse for writing, and this process's environment and folder are as they were."""
    wal = settings.warehouse_path.with_name(settings.warehouse_path.name + ".wal")
    ingest_file(write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(20)]), settings=settings)
    lines: list[str] = []  # dbt's output, with anything the resource tracker writes once the process has ended
    build(settings=settings, on_line=lines.append)
    assert not wal.exists(), "the dbt process ended without checkpointing the warehouse"
    assert mart_and_lake(settings.snapshot_path) == (20, 20)
    assert not [line for line in lines if "leaked" in line]
    may = [row(100 + i, arrival_datetime="2025-05-03 09:00:00", departure_datetime="2025-05-03 11:00:00")
           for i in range(12)]
    ingest_file(write_ecds(tmp_path / "RWP_ECDS_2025-05.csv", may), settings=settings)
    environ, folder = dict(os.environ), os.getcwd()

    result = build(select=["source:raw.rwp_ecds+"], settings=settings, upto=pending_changes(settings).upto,
                   in_process=True)

    assert not result.failures and result.models > 0 and result.tests > 0
    assert dict(os.environ) == environ and os.getcwd() == folder
    assert not wal.exists()
    assert mart_and_lake(settings.snapshot_path) == (32, 32), "the snapshot misses the build's last changes"
    writer = subprocess.run([sys.executable, "-c", f"import duckdb; duckdb.connect({str(settings.warehouse_path)!r})"
                             ".execute('checkpoint')"], capture_output=True, text=True, check=False)
    assert writer.returncode == 0, writer.stderr
    assert mart_and_lake(settings.warehouse_path) == (32, 32)
    assert pending_changes(settings).feeds == []


def test_an_in_process_error_is_a_return_code_with_dbts_message(settings):
    """An invocation dbt refuses returns 2 with dbt's reason, as a dbt process would exit, and gives the
    environment back."""
    environ = dict(os.environ)
    proc = run_dbt(settings, "build", "--no-such-option", in_process=True)
    assert proc.returncode == 2
    assert "no-such-option" in proc.stderr
    assert dict(os.environ) == environ


LEAK_CHECK = """
import os, sys
from config.settings import get_settings
from transform.build import run_dbt
code = run_dbt(get_settings(), "ls", "--select", "marts", in_process=True).returncode
print("rc", code, flush=True)
os._exit(0)  # as an Airflow task process ends: no garbage collection at exit
"""


def test_an_in_process_run_leaves_nothing_for_the_resource_tracker_to_report(settings):
    """dbt's adapters hold multiprocessing locks (semaphores). A process that ran dbt in-process and ends as a task
    process does (``os._exit``) must not leave them behind: the resource tracker would log "leaked semaphore
    objects" at error level in every build task's log."""
    proc = subprocess.run([sys.executable, "-c", LEAK_CHECK], capture_output=True, text=True, check=False)
    assert "rc 0" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "leaked" not in proc.stderr, proc.stderr[-2000:]
