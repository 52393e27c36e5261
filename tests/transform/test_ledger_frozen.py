"""A build sees the ledger as it was when the build started (transform.build_state.freeze_ledger): a file that ingest
commits while dbt runs waits for the next build, so every model of one build counts the same deliveries.

Found by the latency bench: a burst of files ingested beside a build made the build's reconciliation test
(`assert_ed_mart_reconciles_to_staging`) compare a mart built before a commit with a staging view read after it,
and the build failed and waited a minute for its retry. A real ingest and a real dbt build."""

from __future__ import annotations

import duckdb

import transform.build as build_module
from ingest.load import ingest_file
from tests.ingest.ecds_rows import row, write_ecds
from transform.build import build
from transform.build_state import freeze_ledger, ledger_visible_path, pending_changes


def counts(settings) -> tuple[int, int]:
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
        lake = con.sql("select count(*) from lake.rwp_ecds").fetchall()[0][0]
        mart = con.sql("select coalesce(sum(attendances), 0) from marts.ed_four_hour_performance").fetchall()[0][0]
    return lake, mart


def test_a_file_committed_while_dbt_runs_is_left_to_the_next_build(settings, tmp_path, monkeypatch):
    """GIVEN April (20 attendances) loaded and built WHEN May (12) is committed after the build has started (after
    it froze the ledger, before dbt reads the lake) THEN that build passes and counts April only, in the lake view
    and in the mart alike; May is still pending, and the next build counts both."""
    ingest_file(write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(20)]), settings=settings)
    build(settings=settings)
    assert counts(settings) == (20, 20)

    may = [row(100 + i, arrival_datetime="2025-05-03 09:00:00", departure_datetime="2025-05-03 11:00:00")
           for i in range(12)]
    real_run_dbt = build_module.run_dbt

    def commit_may_then_run(*args, **kwargs):
        ingest_file(write_ecds(tmp_path / "RWP_ECDS_2025-05.csv", may), settings=settings)
        return real_run_dbt(*args, **kwargs)

    monkeypatch.setattr(build_module, "run_dbt", commit_may_then_run)
    result = build(select=["source:raw.rwp_ecds+"], settings=settings, upto=pending_changes(settings).upto)
    monkeypatch.setattr(build_module, "run_dbt", real_run_dbt)

    assert not result.failures
    assert counts(settings) == (20, 20), "the build saw a file committed after it started"
    assert pending_changes(settings).feeds == ["rwp_ecds"], "May waits for the next build"

    build(select=["source:raw.rwp_ecds+"], settings=settings, upto=pending_changes(settings).upto)
    assert counts(settings) == (32, 32)
    assert pending_changes(settings).feeds == []


def test_the_frozen_ledger_lists_every_ledger_file_and_is_replaced_whole(settings, tmp_path):
    """An empty lake freezes an empty list; then one line per ledger file (its batch id), nothing else."""
    assert freeze_ledger(settings) == 0 and ledger_visible_path(settings).read_text(encoding="utf-8") == ""
    ingest_file(write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(3)]), settings=settings)
    assert freeze_ledger(settings) == 1
    listed = ledger_visible_path(settings).read_text(encoding="utf-8").splitlines()
    assert listed == sorted(p.stem for p in settings.ledger_dir.glob("*.json"))
    assert not list(ledger_visible_path(settings).parent.glob("*.tmp")), "no temporary file left behind"
