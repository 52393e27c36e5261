"""Every benchmark a person starts by hand answers --help with its usage and does nothing else: before, the latency
benchmark took --help for a run, started Airflow for two minutes and wrote over its recorded results."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench" / "results"


@pytest.mark.parametrize(("command", "says"), [
    *((["bench/" + script], "usage: " + script) for script in (
        "latency_bench.py", "disclosure_leak.py", "pipeline_bench.py", "ingest_bench.py", "synth_bench.py",
        "gate_bench.py")),
    (["-m", "bench"], "python -m bench [--quick] [NAME ...]"),
])
def test_help_prints_usage_and_runs_nothing(command, says):
    before = {p: p.stat().st_mtime_ns for p in RESULTS.glob("*")}
    done = subprocess.run([sys.executable, *command, "--help"], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert says in done.stdout
    assert {p: p.stat().st_mtime_ns for p in RESULTS.glob("*")} == before  # no result written over
