"""The pipeline's dbt process (``python -m transform.dbt_process``): dbt's own command line, ended without the
interpreter's teardown. It must answer as the ``dbt`` command does (exit codes, output) and end having done what
an ending dbt process does: the warehouse closed and checkpointed into its file, nothing left for multiprocessing's
resource tracker to report. A real ingest and real dbt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ingest.load import ingest_file
from tests.ingest.ecds_rows import row, write_ecds
from tests.transform.test_dbt_in_process import mart_and_lake
from transform.build import build, run_dbt
from transform.dbt_process import exit_code

DBT = Path(sys.executable).with_name("dbt")


@pytest.mark.parametrize("args", [["--version"], ["build", "--no-such-option"], ["no-such-command"]])
def test_it_answers_as_the_dbt_command_does(args, tmp_path):
    ours = subprocess.run([sys.executable, "-m", "transform.dbt_process", *args], capture_output=True, text=True,
                          cwd=tmp_path, check=False)
    theirs = subprocess.run([str(DBT), *args], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)


def test_exit_codes_are_the_interpreters():
    assert [exit_code(SystemExit(c)) for c in (None, 0, 1, 2)] == [0, 0, 1, 2]
    assert exit_code(SystemExit("a message")) == 1


def test_a_build_ends_with_the_warehouse_checkpointed_and_nothing_leaked(settings, tmp_path):
    """GIVEN April's ECDS file (20 attendances) WHEN it is built by the dbt process THEN no write-ahead log is left
    beside the warehouse, the snapshot copied from the file counts every attendance, and dbt's output (merged with
    anything the resource tracker writes when the process has ended) reports no leaked semaphore."""
    ingest_file(write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(20)]), settings=settings)
    lines: list[str] = []

    result = build(settings=settings, on_line=lines.append)

    assert not result.failures and result.models > 0
    assert not settings.warehouse_path.with_name(settings.warehouse_path.name + ".wal").exists()
    assert mart_and_lake(settings.snapshot_path) == (20, 20)
    assert not [line for line in lines if "leaked" in line]
    proc = run_dbt(settings, "build", "--select", "no_such_model_anywhere")
    assert proc.returncode == 0 and "Nothing to do" in proc.stdout
