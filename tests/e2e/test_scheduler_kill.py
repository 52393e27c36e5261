"""End to end with the real Airflow 3 scheduler: the process running an ingest is SIGKILLed half-way through and
the ingest runs again (issue 5: "Killing the worker in the middle of an ingest and running again leaves no
partial batch and no duplicate rows").

The module has its own Airflow instance (the ``scheduler`` fixture below overrides the one in ``conftest.py``,
so the log-tail hook there still attaches component logs to a failure) and its own, larger synthetic file: one
month of RWP ECDS for 800,000 people repeated 80 times with the attendance ids made unique (about 1 million
rows, 125 MB, a few seconds to ingest), so the kill lands while the batch is being written under
``lake/_incoming``. Every wait is bounded.

The kill: the LocalExecutor's supervisor forks a task-runner per task instance, puts it in its own process group
and titles it ``airflow worker -- <task instance id>``. That group (the process doing the work, and anything it
started) gets SIGKILL, exactly what the kernel's OOM killer or a ``kill -9`` would do. The supervisor survives,
sees the signal exit and reports the try as failed; the task's retries (2, backoff from 20 s) run it again. If
Airflow has not started another try within a bounded time, the test clears the task instance through the REST
API, which is how an engineer would run it again.
"""

from __future__ import annotations

import os
import signal
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psutil
import pytest

from outcomes import airflow_local as al
from tests.e2e.conftest import (
    REPO,
    Scheduler,
    running_airflow,
    utcnow,
)
from tests.e2e.test_scheduler import raw_batches, wait_for_publication_after_ingest

pytestmark = [pytest.mark.scheduler, pytest.mark.e2e, pytest.mark.xdist_group("scheduler_kill")]

FEED = "rwp_ecds"
DAG_ID = f"ingest__{FEED}"
MONTH = "2025-04"
COPIES = 80  # 12,457 rows x 80: about 1 million rows, 3.5 s to ingest on its own on a 2-core machine


def _make_big_file(source: Path, target: Path, copies: int) -> int:
    """``copies`` copies of the data rows of ``source`` under one header, each attendance id given a suffix
    ``-NNN`` so the primary key stays unique. Returns the number of data rows."""
    header, *rows = source.read_text().splitlines()
    assert header.startswith("attendance_id,"), header
    split = [r.split(",", 1) for r in rows]
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w") as out:
        out.write(header + "\n")
        for i in range(copies):
            out.write("".join(f"{key}-{i:03d},{rest}\n" for key, rest in split))
    return len(rows) * copies


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory) -> Iterator[Scheduler]:
    """GIVEN Airflow (scheduler, dag-processor, triggerer, api-server) running on the embedded default in a fresh
    working folder, every DAG parsed and unpaused, and one large clean RWP ECDS file for April 2025 beside it."""
    from synth import SynthConfig, generate

    module_t0 = time.monotonic()
    synth_dir = tmp_path_factory.mktemp("synth_kill")
    notes: dict = {"module_t0": module_t0}

    def prepare(settings) -> None:
        t = time.monotonic()
        generate(SynthConfig(out_dir=synth_dir / "small", population=800_000, months=1, start=MONTH, clean=True,
                             seed=7, feeds=[FEED], reference_dir=REPO / "reference"))
        (small,) = (synth_dir / "small" / "RWP" / "ecds").glob(f"RWP_ECDS_{MONTH}*.csv")
        big = synth_dir / "big" / small.name
        rows = _make_big_file(small, big, COPIES)
        notes.update({"file": big, "file_rows": rows, "file_mb": big.stat().st_size / 1e6,
                      "synth_s": time.monotonic() - t})

    with running_airflow(tmp_path_factory.mktemp("airflow_kill_work"), prepare) as (handle, settings, started_s):
        yield Scheduler(handle=handle, settings=settings, synth=synth_dir, started_s=started_s, notes=notes)


# -- helpers -------------------------------------------------------------------------------------------------


def _quote(run_id: str) -> str:
    return urllib.request.quote(run_id, safe="")


def ingest_tis(s: Scheduler) -> list[dict]:
    """Every ``ingest`` task instance of every run of the feed's DAG (mapped: one per claimed file)."""
    tis = s.get(f"/api/v2/dags/{DAG_ID}/dagRuns/~/taskInstances", limit=100)["task_instances"]
    return [t for t in tis if t["task_id"] == "ingest"]


def tries(s: Scheduler, ti: dict) -> list[dict]:
    path = (f"/api/v2/dags/{DAG_ID}/dagRuns/{_quote(ti['dag_run_id'])}/taskInstances/ingest/"
            f"{ti['map_index']}/tries")
    return s.get(path)["task_instances"]


def task_runner_processes(s: Scheduler, ti_id: str) -> list[psutil.Process]:
    """The task-runner of the task instance ``ti_id``: a descendant of the scheduler we started (LocalExecutor
    worker -> supervisor -> task-runner) whose title the task SDK set to ``airflow worker -- <ti id>``."""
    root = psutil.Process(s.handle.processes["scheduler"].pid)
    title = f"airflow worker -- {ti_id}"  # the supervisor above it is "airflow worker -- LocalExecutor: <ti id>"
    found = []
    for proc in root.children(recursive=True):
        try:
            if " ".join(proc.cmdline()).strip() == title:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def sigkill_task_runner(s: Scheduler, ti_id: str) -> dict:
    """SIGKILL the task-runner's process group (it leads its own group) and every descendant; return what was
    killed. The supervisor above it is left alive, as it would be when the kernel kills the heavy process."""
    procs = task_runner_processes(s, ti_id)
    assert len(procs) == 1, f"not one task-runner titled with task instance {ti_id} under the scheduler: {procs}"
    runner = procs[0]
    victims = [runner, *runner.children(recursive=True)]
    pgid = os.getpgid(runner.pid)
    scheduler_pgid = os.getpgid(s.handle.processes["scheduler"].pid)
    info = {"pid": runner.pid, "pgid": pgid, "title": " ".join(runner.cmdline()),
            "children": [p.pid for p in victims[1:]], "own_group": pgid == runner.pid}
    if pgid == runner.pid and pgid != scheduler_pgid:
        os.killpg(pgid, signal.SIGKILL)
    for proc in victims:
        try:
            proc.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    gone, alive = psutil.wait_procs(victims, timeout=10)
    assert not alive, f"still alive after SIGKILL: {alive}"
    info["exit_codes"] = [p.returncode for p in gone]
    return info


def clear_ingest(s: Scheduler, ti: dict) -> dict:
    """Run the ingest task instance again the way an engineer would: clear it (and reset its DAG run)."""
    return s.post(f"/api/v2/dags/{DAG_ID}/clearTaskInstances", {
        "dry_run": False, "dag_run_id": ti["dag_run_id"], "task_ids": [["ingest", ti["map_index"]]],
        "only_failed": False, "reset_dag_runs": True, "include_downstream": False, "include_upstream": False})


def raw_rows(batch: Path) -> tuple[int, int]:
    con = duckdb.connect(":memory:")
    try:
        n, distinct = con.execute("select count(*), count(distinct attendance_id) from read_parquet(?)",
                                  [str(batch / "*.parquet")]).fetchone()
    finally:
        con.close()
    return n, distinct


def mart_attendances(s: Scheduler, month: str) -> int | None:
    """sum(attendances) of RWP for ``month`` in the 4-hour mart of the analysts' read-only snapshot."""
    con = duckdb.connect(str(s.settings.snapshot_path), read_only=True)
    try:
        schemas = [r[0] for r in con.execute(
            "select table_schema from information_schema.tables where table_name = 'ed_four_hour_performance'"
        ).fetchall()]
        assert len(schemas) == 1, schemas
        (total,) = con.execute(
            f'select sum(attendances) from "{schemas[0]}".ed_four_hour_performance '
            "where organisation_code = 'RWP' and cast(month as date) = cast(? as date)", [f"{month}-01"]).fetchone()
    finally:
        con.close()
    return total


# -- the test ------------------------------------------------------------------------------------------------


def test_killed_ingest_runs_again_without_partial_batch_or_duplicate_rows(scheduler: Scheduler):
    """GIVEN the scheduler running, nothing delivered, and a clean RWP ECDS file of about a million rows
    WHEN the file lands, and once its ingest task instance is running and has started writing its batch under
    lake/_incoming, the task-runner process doing the work is SIGKILLed (its whole process group)
    THEN Airflow runs the ingest again (its retry; a REST clear if no retry comes within 90 s) and the DAG run
    succeeds; the ledger has exactly one row for the file, 'loaded'; lake/raw/rwp_ecds holds exactly one batch
    folder, the one that row points at, with exactly the file's rows and every attendance_id once; the killed
    attempt's batch id is in neither the raw lake, the quarantine nor the ledger; every raw batch folder has a
    ledger row; and after the rebuild the analysts' warehouse snapshot counts April's RWP attendances once
    (sum of the 4-hour mart's attendances = the file's rows)."""
    s = scheduler
    notes = s.notes
    big: Path = notes["file"]
    expected_rows: int = notes["file_rows"]
    incoming_root = s.settings.staging_tmp_dir
    since = utcnow()
    t_drop = time.monotonic()
    al.drop_for_feed([big], FEED, s.settings)

    # 1. bounded wait for the moment the ingest is running AND writing its batch under lake/_incoming
    def running_and_writing():
        running = [t for t in ingest_tis(s) if t["state"] == "running"]
        if not running:
            return None
        batches = [p for p in incoming_root.iterdir() if p.is_dir()] if incoming_root.exists() else []
        return (running[0], batches) if batches and task_runner_processes(s, running[0]["id"]) else None

    ti, incoming = al.wait_for(running_and_writing, 90, "the ingest task running and writing under _incoming",
                               interval=0.1)
    notes["drop_to_kill_s"] = time.monotonic() - t_drop
    assert len(incoming) == 1, incoming
    killed_batch = incoming[0].name
    killed = sigkill_task_runner(s, ti["id"])
    t_kill = time.monotonic()
    notes.update(killed=killed, killed_batch=killed_batch)
    print(f"\nSIGKILLed task-runner {killed} of {DAG_ID}.ingest try {ti['try_number']} "
          f"{notes['drop_to_kill_s']:.1f}s after the drop, writing batch {killed_batch}")
    # the kill really was mid-ingest: nothing committed for the file yet
    assert not s.ledger({big.name}), "the ledger row was already written: the kill came too late"
    assert not raw_batches(s, FEED), "a raw batch was already renamed into the lake: the kill came too late"

    # 2. Airflow notices and runs it again (its own retry), or we clear the task instance after a bounded wait
    def current():  # the task instance's id changes with every try: find it by run and map index
        return next(t for t in ingest_tis(s) if t["dag_run_id"] == ti["dag_run_id"]
                    and t["map_index"] == ti["map_index"])

    def next_try_started():
        now = current()
        if now["try_number"] > ti["try_number"] and now["state"] not in {"scheduled", "queued", None}:
            return now
        return None

    try:
        retried = al.wait_for(next_try_started, 90, "Airflow to start another try of the killed ingest", 1)
        notes["recovery"] = "retry"
    except TimeoutError:
        stuck = current()
        assert stuck["try_number"] == ti["try_number"], stuck
        clear_ingest(s, stuck)
        notes["recovery"] = "cleared via REST"
        retried = al.wait_for(next_try_started, 60, "the cleared ingest to start again", 1)
    notes["kill_to_next_try_s"] = time.monotonic() - t_kill
    first_try = [t for t in tries(s, retried) if t["try_number"] == ti["try_number"]]
    notes["killed_try_state"] = first_try[0]["state"] if first_try else None

    # 3. the run succeeds and the file is committed exactly once
    run = al.wait_for(lambda: next((r for r in s.runs(DAG_ID) if r["dag_run_id"] == ti["dag_run_id"]
                                    and r["state"] in {"success", "failed"}), None), 120,
                      "the ingest run to finish", 1)
    notes["kill_to_run_success_s"] = time.monotonic() - t_kill
    all_tries = tries(s, retried)
    notes["tries"] = [(t["try_number"], t["state"]) for t in all_tries]
    assert run["state"] == "success", (run, notes["tries"])
    assert [t["state"] for t in ingest_tis(s)] == ["success"]
    assert notes["killed_try_state"] in {"failed", "up_for_retry"}, notes["tries"]

    ledger = s.ledger({big.name})
    assert [e["status"] for e in ledger] == ["loaded"], ledger
    (row,) = ledger
    assert row["rows_received"] == row["rows_accepted"] == expected_rows and row["rows_rejected"] == 0, row
    assert row["batch_id"] != killed_batch

    batches = raw_batches(s, FEED)
    assert [str(b) for b in batches] == [row["raw_path"]], "exactly one raw batch folder, the committed one"
    n, distinct = raw_rows(batches[0])
    assert (n, distinct) == (expected_rows, expected_rows), "raw rows = file rows, every attendance_id once"

    # no batch of the killed attempt is visible: nowhere in the lake, no ledger row; every raw batch is committed
    lake_names = {p.name for p in s.settings.lake_dir.rglob("batch_id=*")}
    assert f"batch_id={killed_batch}" not in lake_names
    all_ledger = s.ledger()
    assert killed_batch not in {e["batch_id"] for e in all_ledger}
    committed = {e["raw_path"] for e in all_ledger if e.get("raw_path")}
    for feed_dir in s.settings.raw_dir.iterdir():
        for batch in feed_dir.glob("batch_id=*"):
            assert str(batch) in committed, f"raw batch without a ledger row: {batch}"
    # the killed attempt's half-written folder may stay in _incoming (swept after 6 h); it is never read
    notes["incoming_left"] = sorted(p.name for p in incoming_root.iterdir()) if incoming_root.exists() else []

    # 4. the rebuild and publication that follow count the rows once
    wait_for_publication_after_ingest(s, ledger, since, timeout=150)
    notes["kill_to_publication_s"] = time.monotonic() - t_kill
    runs = s.settled(timeout=90)
    assert all(r["state"] == "success" for d in ("transform", "publish") for r in runs[d]), runs
    assert mart_attendances(s, MONTH) == expected_rows

    notes["module_so_far_s"] = time.monotonic() - notes["module_t0"]
    timings = {k: round(v, 1) for k, v in notes.items() if k.endswith("_s")}
    print(f"kill test: recovery={notes['recovery']} tries={notes['tries']} rows={expected_rows:,} "
          f"({notes['file_mb']:.0f} MB) airflow_start_s={s.started_s:.1f} {timings} "
          f"incoming_left={notes['incoming_left']}")
