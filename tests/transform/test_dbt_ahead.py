"""A dbt process started ahead of its build (transform.dbt_ahead, as ``outcomes run`` starts it before ingesting):
it parses the project before it is told what to build, runs the build it is then given with that parse, and
ends without building when it is given none. A real ingest and real dbt."""

from __future__ import annotations

import time

import duckdb
import pytest

from ingest.load import ingest_file
from outcomes import pipeline
from tests.ingest.ecds_rows import row, write_ecds
from transform.build import build, dbt_command, results_path
from transform.dbt_ahead import DbtAhead


def saved_parse(settings):
    return settings.work_dir / "dbt" / "target" / "partial_parse.msgpack"


def wait_for(condition, seconds: float = 120) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_it_parses_before_it_is_told_what_to_build_then_builds_with_that_parse(settings, tmp_path):
    """GIVEN a dbt process started ahead in a new work folder WHEN it has not been given a command THEN it has
    parsed the project (dbt's saved parse is written) and built nothing; WHEN April's file is then ingested and
    the build (the four-hour table's lineage) runs in it THEN the warehouse holds April, and one process ran the
    parse and the build."""
    with DbtAhead(settings) as dbt:
        assert wait_for(lambda: saved_parse(settings).exists()), "the process did not parse ahead"
        assert dbt.proc.poll() is None, "the process ended before it was given its build"
        assert not settings.warehouse_path.exists() and not results_path(settings).exists()
        ingest_file(write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(20)]), settings=settings)
        lines: list[str] = []

        result = build(select=["+ed_four_hour_performance"], settings=settings, on_line=lines.append, ahead=dbt)

    assert not result.failures and result.models > 0 and result.tests > 0
    assert dbt.proc.returncode == 0
    assert sum("Running with dbt=" in line for line in lines) == 2, "the parse and the build were not one process"
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
        assert con.sql("select coalesce(sum(attendances), 0) from marts.ed_four_hour_performance").fetchall() == [
            (20,)]


def test_closed_without_a_command_it_ends_having_built_nothing(settings):
    dbt = DbtAhead(settings)
    dbt.close()
    assert dbt.proc.returncode == 0
    assert not settings.warehouse_path.exists() and not results_path(settings).exists()


def test_a_command_dbt_refuses_is_its_exit_code_and_message_and_only_one_command_runs(settings):
    with DbtAhead(settings) as dbt:
        proc = dbt.run(dbt_command(settings, "build", "--no-such-option"))
        assert proc.returncode == 2
        assert "no-such-option" in proc.stdout
        with pytest.raises(RuntimeError, match="runs one command"):
            dbt.run(dbt_command(settings, "build"))


def test_a_run_whose_ingest_fails_ends_the_dbt_process_it_started(settings, monkeypatch):
    started: list[DbtAhead] = []
    start = DbtAhead.__init__

    def recorded(self, s):
        start(self, s)
        started.append(self)

    def fails(*_args, **_kwargs):
        raise RuntimeError("ingest failed")

    monkeypatch.setattr(DbtAhead, "__init__", recorded)
    monkeypatch.setattr(pipeline, "ingest_landing", fails)
    with pytest.raises(RuntimeError, match="ingest failed"):
        pipeline.run_once(settings=settings)
    assert len(started) == 1 and started[0].proc.returncode == 0
    assert not settings.warehouse_path.exists()
