"""bench.measure: a child's wall time, CPU time and peak memory, and the medians of repeated runs."""

from __future__ import annotations

import sys

import pytest

from bench.measure import CommandFailed, Run, median_run, run_command

ALLOCATE_80_MB = "b = bytearray(80 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"


def test_a_child_that_holds_80_mb_is_measured_at_80_mb_or_more(tmp_path):
    """GIVEN a child process that writes to 80 MB of memory
    WHEN it is run and measured
    THEN its peak RSS is at least 80 MB, it used CPU time, and the wall time covers it."""
    run = run_command([sys.executable, "-c", ALLOCATE_80_MB], log=tmp_path / "child.log")
    assert run.peak_rss_mb >= 80
    assert run.cpu_s > 0
    assert run.wall_s >= run.cpu_s / 4  # wall is the child's own (at most a few cores busy)
    assert run.returncode == 0


def test_an_exit_code_not_allowed_fails_with_the_command_and_its_output(tmp_path):
    """GIVEN a child that prints a message and exits 3
    WHEN it is run allowing only 0 and 1
    THEN CommandFailed names the exit code and carries the child's output."""
    code = "print('refused: bad header'); raise SystemExit(3)"
    with pytest.raises(CommandFailed, match=r"(?s)exited 3 .*refused: bad header"):
        run_command([sys.executable, "-c", code], ok_codes=(0, 1), log=tmp_path / "child.log")
    assert run_command([sys.executable, "-c", "raise SystemExit(1)"], ok_codes=(0, 1)).returncode == 1


def test_the_median_of_each_figure_is_taken_on_its_own():
    """GIVEN three runs whose slowest wall time is not their largest memory
    WHEN their medians are taken
    THEN each figure is the median of that figure, and every run is kept."""
    runs = [Run(10.0, 4.0, 900.0, 0), Run(30.0, 2.0, 100.0, 0), Run(20.0, 3.0, 500.0, 0)]
    median = median_run(runs)
    assert (median["wall_s"], median["cpu_s"], median["peak_rss_mb"]) == (20.0, 3.0, 500.0)
    assert median["runs"] == 3 and len(median["each"]) == 3
