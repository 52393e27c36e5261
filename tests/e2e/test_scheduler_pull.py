"""End to end with the real Airflow scheduler: a file Worcestershire Acute sends through MESH is pulled by
``pull__rwp_ecds`` (sensor in reschedule mode, then the pull task), lands, is ingested by ``ingest__rwp_ecds``
and published, and its message is acknowledged. NHS England's MESH sandbox runs on loopback beside Airflow."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from outcomes import airflow_local as al
from outcomes.mesh_sandbox import Sandbox
from tests.e2e.conftest import REPO, Scheduler, running_airflow, utcnow
from tests.pull.conftest import SOURCE_BLOCK, contracts_copy, free_port

pytestmark = [pytest.mark.scheduler, pytest.mark.e2e, pytest.mark.xdist_group("scheduler_pull")]

TABLE = "ed_four_hour_performance"
PULL_DAG = "pull__rwp_ecds"


@pytest.fixture(scope="module")
def mesh_and_airflow(tmp_path_factory) -> Iterator[tuple[Scheduler, Sandbox]]:
    """GIVEN a MESH sandbox, Airflow running with the connection mesh_rwp pointing at it (an environment
    variable: the sandbox's published test credentials), the pull DAG looking every 3 s, only RWP's ECDS declared
    as coming by MESH (fewer DAGs looking on two cores), and one month of clean synthetic RWP ECDS."""
    from synth import SynthConfig, generate

    sandbox = Sandbox(port=free_port(), store=tmp_path_factory.mktemp("mesh") / "store").start()
    synth_dir = tmp_path_factory.mktemp("synth")
    contracts = contracts_copy(tmp_path_factory.mktemp("c") / "contracts",
                               lambda stem, text: text if stem == "rwp_ecds" else SOURCE_BLOCK.sub("", text))
    generate(SynthConfig(out_dir=synth_dir, population=5_000, months=1, start="2025-04", clean=True, seed=11,
                         feeds=["rwp_ecds"], reference_dir=REPO / "reference"))
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("AIRFLOW_CONN_MESH_RWP", sandbox.connection_json())
            mp.setenv("OUTCOMES_PULL_POKE_SECONDS", "3")
            mp.setenv("OUTCOMES_CONTRACTS_DIR", str(contracts))
            with running_airflow(tmp_path_factory.mktemp("airflow_work")) as (handle, settings, started_s):
                yield Scheduler(handle=handle, settings=settings, synth=synth_dir, started_s=started_s), sandbox
    finally:
        sandbox.stop()


def test_a_file_sent_through_mesh_is_pulled_ingested_and_published(mesh_and_airflow):
    """GIVEN the pull DAG's run waiting on the mailbox
    WHEN the trust sends its ECDS file through MESH
    THEN the pull run succeeds, the file is loaded once (ledger), a publication covers it, and the message has
    been acknowledged (the mailbox is empty)"""
    sched, sandbox = mesh_and_airflow
    al.wait_for_dags(sched.handle, [PULL_DAG], timeout=60)
    (sent,) = sorted((sched.synth / "RWP" / "ecds").glob("RWP_ECDS_*.csv"))
    since = utcnow()

    sandbox.send([sent], "ICS_OUTCOMES_EXTRACT")

    rows = sched.wait_for_ledger({sent.name}, since, timeout=150)
    assert [r["status"] for r in rows] == ["loaded"], rows
    al.wait_for_publication_covering(sched.handle, TABLE, max(al.parse_time(r["finished_at"]) for r in rows),
                                     since, timeout=240, interval=1)
    runs = al.wait_for(lambda: [r for r in sched.runs(PULL_DAG) if r["state"] == "success"] or None, 60,
                       "a successful pull run", interval=1)
    assert runs
    assert sandbox.inbox() == []
