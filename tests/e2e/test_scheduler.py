"""End to end with the real Airflow 3 scheduler, dag-processor, triggerer and api-server (embedded default:
SQLite + LocalExecutor), one instance for the whole module (see ``conftest.py``).

Files are delivered the way partners do (atomic rename, then ``_READY``); the asset watchers start the ingest
DAGs, ``transform`` runs on the raw assets and ``publish`` on ``marts``. Every wait is bounded. The tests run in
file order and share the instance: each one starts by waiting until every run of the previous one has finished.
"""

from __future__ import annotations

import hashlib
import math
import time
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from outcomes import airflow_local as al
from tests.e2e.conftest import Scheduler, utcnow
from tests.e2e.test_pipeline_run import expected_four_hour
from transform.build_state import built_whole

# one Airflow instance for the module, tests in file order: `make test` uses `--dist loadfile`, so a file
# runs on one xdist worker (loadgroup does not group under pytest 9 with xdist 3.8, checked)
pytestmark = [pytest.mark.scheduler, pytest.mark.e2e, pytest.mark.xdist_group("scheduler")]

TABLE = "ed_four_hour_performance"


def synth_file(sched: Scheduler, org: str, feed: str, month: str) -> Path:
    """The generated file of ``feed`` for ``month`` (YYYY-MM), whatever the feed's naming habit."""
    folder = sched.synth / org / feed
    matches = [p for p in folder.glob("*.csv") if month in p.name or month.replace("-", "") in p.name]
    assert len(matches) == 1, (folder, month, matches)
    return matches[0]


def raw_batches(sched: Scheduler, feed_id: str) -> list[Path]:
    return sorted((sched.settings.raw_dir / feed_id).glob("batch_id=*"))


ts = al.parse_time


def published(sched: Scheduler) -> tuple[pd.DataFrame, Path]:
    root = sched.settings.publications_dir / TABLE
    version = (root / "LATEST").read_text().strip()
    csv = root / version / f"{TABLE}.csv"
    frame = pd.read_csv(csv, dtype={"imd_quintile": str})
    return frame.set_index(["organisation_code", "month", "imd_quintile"]), csv


def wait_for_publication_after_ingest(sched: Scheduler, ledger_rows: list[dict], since: datetime,
                                      timeout: float = 180) -> dict:
    """Until a transform run that started after the last of ``ledger_rows`` was committed has succeeded, then a
    publication event later than that run's ``marts`` event. ``build`` reads every committed batch in the lake and
    shares the one-slot pool ``warehouse`` with ``publish_tables``, so that publication covers every file.

    (Waiting on the ``batches`` listed in ``marts`` events instead is not reliable: an event that arrives while
    the next transform run is deferred at max_active_runs is not consumed by it, see the report.)"""
    last_commit = max(ts(e["finished_at"]) for e in ledger_rows)
    return al.wait_for_publication_covering(sched.handle, TABLE, last_commit, since, timeout, interval=1)


def warehouse_intervals(sched: Scheduler) -> list[tuple[datetime, datetime, str]]:
    """[start, end] of every try of every task instance in pool ``warehouse`` (transform and publish DAGs)."""
    tis = sched.get("/api/v2/dags/~/dagRuns/~/taskInstances", pool="warehouse", limit=1000)["task_instances"]
    intervals = []
    for ti in tis:
        tries = [ti]
        if ti["try_number"] > 1:  # earlier tries are only in the tries endpoint
            tries = sched.get(f"/api/v2/dags/{ti['dag_id']}/dagRuns/{ti['dag_run_id']}/taskInstances/"
                              f"{ti['task_id']}/tries")["task_instances"]
        for t in tries:
            if t.get("start_date"):
                assert t.get("end_date"), f"{t['dag_id']}.{t['task_id']} still running after the runs settled"
                label = f"{t['dag_id']}.{t['task_id']}#{t['try_number']}@{t['dag_run_id']}"
                intervals.append((ts(t["start_date"]), ts(t["end_date"]), label))
    return sorted(intervals)


def test_several_feeds_at_once_each_file_once_exact_numbers_one_warehouse_writer(scheduler: Scheduler):
    """GIVEN the scheduler running with every DAG unpaused, nothing delivered yet, and the warehouse built whole at
    start-up (``al.init``, as the deployment's airflow-init)
    WHEN four files for three feeds land at the same moment (RWP ECDS April and May, RLQ ECDS April, R1A MIU
    April; drop_for_feed for each, no waiting in between)
    THEN each file is ingested exactly once (one ledger row per file name, status loaded, one raw batch folder
    per file), the builds select only what is downstream of those feeds, a publication follows the build that
    covered every batch, the published 4-hour percentage for RWP equals the value computed here from the synthetic
    rows (1 decimal) for every month and quintile, and the task instances in pool 'warehouse' (build,
    publish_tables) never ran at the same time."""
    s = scheduler
    assert built_whole(s.settings) and not s.ledger(), "al.init builds the empty warehouse whole"
    rwp = [synth_file(s, "RWP", "ecds", m) for m in ("2025-04", "2025-05")]
    rlq = [synth_file(s, "RLQ", "ecds", "2025-04")]
    miu = [synth_file(s, "R1A", "miu", "2025-04")]
    names = {p.name for p in rwp + rlq + miu}
    since = utcnow()
    t0 = time.monotonic()
    al.drop_for_feed(rwp, "rwp_ecds", s.settings)
    al.drop_for_feed(rlq, "rlq_ecds", s.settings)
    al.drop_for_feed(miu, "r1a_miu", s.settings)

    rows = s.wait_for_ledger(names, since, timeout=120)
    assert sorted(e["file"] for e in rows) == sorted(names), "one ledger row per file, no duplicates"
    assert {e["file"]: e["status"] for e in rows} == {n: "loaded" for n in names}
    publication = wait_for_publication_after_ingest(s, rows, since, timeout=180)
    s.notes["drop_to_publication_s"] = time.monotonic() - t0
    runs = s.settled()
    # the first build may already have read every batch, so this one can be 'unchanged'; either way it is live
    assert publication["extra"]["status"] in {"published", "unchanged"}, publication
    root = s.settings.publications_dir / TABLE
    assert (root / "LATEST").read_text().strip() == publication["extra"]["version"]

    # exactly once: one raw batch per file, each the one its ledger row points at; one run per feed
    for feed, files in (("rwp_ecds", rwp), ("rlq_ecds", rlq), ("r1a_miu", miu)):
        batches = raw_batches(s, feed)
        assert len(batches) == len(files), (feed, batches)
        assert {str(b) for b in batches} == {e["raw_path"] for e in rows if e["feed_id"] == feed}
        assert [r["state"] for r in runs[f"ingest__{feed}"]] == ["success"]
    assert len(s.ledger()) == len(names), "no other ledger rows (no duplicate or retried load)"
    assert all(r["state"] == "success" for d in ("transform", "publish") for r in runs[d])
    selections = [e["extra"]["select"] for e in al.asset_events(s.handle, "marts", since)]
    delivered = {"source:raw.rwp_ecds+", "source:raw.rlq_ecds+", "source:raw.r1a_miu+"}
    assert selections and all(chosen and set(chosen) <= delivered for chosen in selections), selections

    # real numbers: every RWP month and quintile the publication shows a percentage for
    frame, _ = published(s)
    expected = expected_four_hour(rwp)
    compared = 0
    for (month, quintile), exp in expected.iterrows():
        got = frame.loc[("RWP", month, quintile), "pct_within_four_hours"]
        if not math.isnan(got):  # suppressed by disclosure control
            assert got == round(exp["pct"], 1), (month, quintile, got, exp["pct"])
            compared += 1
    assert compared >= 8, f"only {compared} published percentages to compare"
    april_q1 = expected.loc[("2025-04-01", "1")]
    assert frame.loc[("RWP", "2025-04-01", "1"), "pct_within_four_hours"] == round(april_q1["pct"], 1)

    # the warehouse never had two writers
    intervals = warehouse_intervals(s)
    labels = [label for *_, label in intervals]
    assert sum(".build#" in x for x in labels) >= 1 and sum(".publish_tables#" in x for x in labels) >= 1, labels
    for (start_a, end_a, a), (start_b, _, b) in zip(intervals, intervals[1:], strict=False):
        assert end_a <= start_b, f"{a} [{start_a}, {end_a}] overlaps {b} starting {start_b}"


def test_rejected_file_fails_only_its_own_run_at_once_with_an_alert(scheduler: Scheduler, tmp_path):
    """GIVEN the scheduler idle after the first deliveries
    WHEN an RWP ECDS file whose header has a renamed column (arrival_datetime -> arrival_time) lands together
    with a good RLQ ECDS file
    THEN the RWP ingest run fails, its ingest task failed on try 1 (no retry), an alert names the rule
    (file.header) and the file; the RLQ run succeeds and its batch is loaded in the ledger."""
    s = scheduler
    s.settled()
    good = synth_file(s, "RLQ", "ecds", "2025-05")
    source = synth_file(s, "RWP", "ecds", "2025-06")
    text = source.read_text()
    header, rest = text.split("\n", 1)
    assert "arrival_datetime" in header
    drifted = tmp_path / source.name  # no manifest beside it: only the header is wrong
    drifted.write_text(header.replace("arrival_datetime", "arrival_time") + "\n" + rest)
    before = {d: len(s.runs(d)) for d in ("ingest__rwp_ecds", "ingest__rlq_ecds")}
    since = utcnow()

    al.drop_for_feed([drifted], "rwp_ecds", s.settings)
    al.drop_for_feed([good], "rlq_ecds", s.settings)

    def finished(dag_id):
        def check():
            runs = s.runs(dag_id)
            new = len(runs) > before[dag_id] and runs[0]["state"] in {"success", "failed"}
            return runs[0] if new else None
        return al.wait_for(check, 120, f"a new {dag_id} run to finish", 1)

    bad_run, good_run = finished("ingest__rwp_ecds"), finished("ingest__rlq_ecds")
    assert bad_run["state"] == "failed"
    ingest_tis = [t for t in s.task_instances("ingest__rwp_ecds", bad_run["dag_run_id"]) if t["task_id"] == "ingest"]
    assert [(t["state"], t["try_number"]) for t in ingest_tis] == [("failed", 1)], ingest_tis

    rejected = [e for e in s.ledger({drifted.name}) if e["received_at"] >= since.isoformat()]
    assert [(e["status"], e["rule"]) for e in rejected] == [("rejected", "file.header")]
    assert not [b for b in raw_batches(s, "rwp_ecds") if b.name == f"batch_id={rejected[0]['batch_id']}"]

    from outcomes.alerts import read_alerts

    def alert_for_file():
        return [a for a in read_alerts(s.settings) if a.get("dag_id") == "ingest__rwp_ecds"
                and a.get("task_id") == "ingest" and a.get("when", "") >= since.isoformat()[:19]]

    alerts = al.wait_for(alert_for_file, 30, "the task_failure alert of the rejected file", 1)
    text = " ".join(str(a.get("reason")) + " " + str(a.get("details")) for a in alerts)
    assert "file.header" in text and drifted.name in text, alerts

    assert good_run["state"] == "success"
    loaded = [e for e in s.ledger({good.name}) if e["status"] == "loaded"]
    assert len(loaded) == 1 and Path(loaded[0]["raw_path"]).is_dir()


def test_same_file_again_is_a_duplicate_and_rebuilds_nothing(scheduler: Scheduler):
    """GIVEN RWP ECDS April already loaded and every run finished
    WHEN the very same file is delivered again
    THEN the ingest task is skipped, the ledger gains a 'duplicate' row pointing at the first batch, no new raw
    batch appears, and no transform run follows (checked over a bounded quiet period)."""
    s = scheduler
    s.settled()
    april = synth_file(s, "RWP", "ecds", "2025-04")
    first = [e for e in s.ledger({april.name}) if e["status"] == "loaded"]
    assert len(first) == 1
    batches_before = raw_batches(s, "rwp_ecds")
    transform_before = len(s.runs("transform"))
    ingest_before = len(s.runs("ingest__rwp_ecds"))
    since = utcnow()

    al.drop_for_feed([april], "rwp_ecds", s.settings)

    row = s.wait_for_ledger({april.name}, since, timeout=90)
    assert [(e["status"], e["duplicate_of"]) for e in row] == [("duplicate", first[0]["batch_id"])]
    run = al.wait_for(lambda: (r := s.runs("ingest__rwp_ecds")) and len(r) > ingest_before
                      and r[0]["state"] in {"success", "failed"} and r[0], 60, "the duplicate's ingest run", 1)
    assert run["state"] == "success"
    states = [t["state"] for t in s.task_instances("ingest__rwp_ecds", run["dag_run_id"]) if t["task_id"] == "ingest"]
    assert states == ["skipped"]
    assert raw_batches(s, "rwp_ecds") == batches_before
    raw_events = al.wait_for(lambda: [al.asset_events(s.handle, "raw.rwp_ecds", since)], 30, "raw events", 1)[0]
    assert not raw_events, "a skipped ingest emits no raw event"
    time.sleep(12)  # bounded quiet period: a transform scheduled by a raw event would be created within seconds
    assert len(s.runs("transform")) == transform_before


def test_manual_transform_rerun_gives_the_same_publication(scheduler: Scheduler):
    """GIVEN the published table after the deliveries above
    WHEN an engineer triggers the transform DAG by hand (REST API, no config: build everything)
    THEN transform and the publish run it schedules succeed, the publication event says 'unchanged', and the
    latest published CSV has the same SHA-256 as before; the long outcomes table (its SII limits drawn again) is
    published 'unchanged' too."""
    s = scheduler
    s.settled()
    _, csv = published(s)
    digest = hashlib.sha256(csv.read_bytes()).hexdigest()
    publish_before = len(s.runs("publish"))
    since = utcnow()

    run = s.post("/api/v2/dags/transform/dagRuns", {"logical_date": None})
    assert run["run_type"] == "manual"
    done = al.wait_for(lambda: next((r for r in s.runs("transform") if r["dag_run_id"] == run["dag_run_id"]
                                     and r["state"] in {"success", "failed"}), None), 150, "the manual transform", 1)
    assert done["state"] == "success"
    events = al.wait_for(lambda: al.asset_events(s.handle, f"publication.{TABLE}", since), 90,
                         "the publication after the manual rebuild", 1)
    assert [e["extra"]["status"] for e in events] == ["unchanged"]
    assert len(s.runs("publish")) == publish_before + 1
    _, csv_after = published(s)
    assert csv_after == csv and hashlib.sha256(csv_after.read_bytes()).hexdigest() == digest
    long_table = al.wait_for(lambda: al.asset_events(s.handle, "publication.measure_values", since), 30,
                             "the long table's publication after the manual rebuild", 1)
    assert [e["extra"]["status"] for e in long_table] == ["unchanged"]


def test_original_and_v2_dropped_together_always_resolve_to_v2(scheduler: Scheduler, tmp_path):
    """GIVEN the scheduler idle
    WHEN an original monthly file and its corrected `_v2` land at the same moment (one `_READY`), three times
    (three months, each pair new bytes; which of the two a worker processes first is up to the scheduler)
    THEN both are loaded, and after the publication that covers them the warehouse's current rows for that month
    (lake.rwp_ecds) are exactly the `_v2`'s rows: never the original's, whatever the processing order."""
    import duckdb

    s = scheduler
    for i, month in enumerate(("2025-04", "2025-05", "2025-06")):
        s.settled()
        lines = synth_file(s, "RWP", "ecds", month).read_text(encoding="utf-8").splitlines(keepends=True)
        pair = tmp_path / month
        pair.mkdir()
        original, v2 = pair / f"RWP_ECDS_{month}.csv", pair / f"RWP_ECDS_{month}_v2.csv"
        original.write_text("".join(lines[:-(i + 1)]), encoding="utf-8")  # new bytes: not a duplicate
        v2.write_text("".join(lines[:-(i + 7)]), encoding="utf-8")  # the correction: six rows fewer
        since = utcnow()

        al.drop_for_feed([original, v2], "rwp_ecds", s.settings)

        rows = s.wait_for_ledger({original.name, v2.name}, since, timeout=120)
        assert {e["file"]: e["status"] for e in rows} == {original.name: "loaded", v2.name: "loaded"}
        wait_for_publication_after_ingest(s, rows, since, timeout=180)
        with duckdb.connect(str(s.settings.snapshot_path), read_only=True) as con:
            current = con.sql(f"select _source_file, count(*) from lake.rwp_ecds where _period = '{month}-01' "
                              "group by 1").fetchall()
        assert current == [(v2.name, len(lines) - (i + 7) - 1)], (month, current)
