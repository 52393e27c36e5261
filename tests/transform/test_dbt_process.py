"""The pipeline's dbt process (``python -m transform.dbt_process``): dbt's own command line, ended without the
interpreter's teardown. It must answer as the ``dbt`` command does (exit codes, output) and end having done what
an ending dbt process does: the warehouse closed and checkpointed into its file, nothing left for multiprocessing's
resource tracker to report (tested with a real build in test_dbt_in_process, whose first build is this process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DBT = Path(sys.executable).with_name("dbt")


@pytest.mark.parametrize("args", [["--version"], ["build", "--no-such-option"], ["no-such-command"]])
def test_it_answers_as_the_dbt_command_does(args, tmp_path):
    ours = subprocess.run([sys.executable, "-m", "transform.dbt_process", *args], capture_output=True, text=True,
                          cwd=tmp_path, check=False)
    theirs = subprocess.run([str(DBT), *args], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)

