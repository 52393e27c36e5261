"""The publish DAG run in-process (``dag.test()``) when its gate refuses the candidate.

A run's deliveries and report use the live publications, and a run whose follow-ups were left to a newer build's
run (publish/followups.py) must still deliver and report when that run's own gate refuses. So both are teardowns
of ``publish_tables``: they run whatever the gate decided, and the run's state still comes from the gate.
"""

from __future__ import annotations

import pytest

from tests.publish.test_gate_defects import CELLS, build_mart, deliver_both_months, percent_130, tamper_with

pytestmark = pytest.mark.xdist_group("airflow_db")


def test_a_refused_gate_fails_the_run_yet_its_deliveries_and_report_still_run(airflow_db, dagbag, quiet_work,
                                                                               monkeypatch):
    """GIVEN a measure_values candidate with a percentage of 130 (written as the gate reads it)
    WHEN the publish DAG runs THEN the gate refuses it (publish_tables failed at once, the run failed, nothing
    live), and deliver_to_partners and build_report still ran: the deliveries from what is live, and the report
    skipped because nothing it shows is published, instead of both never running (upstream_failed)."""
    from airflow.utils.state import DagRunState

    work = quiet_work
    build_mart(work, CELLS)
    deliver_both_months(work)
    tamper_with(monkeypatch, percent_130)

    run = dagbag.dags["publish"].test(run_conf={"tables": ["measure_values"]})
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}

    tries = {ti.task_id: ti.try_number for ti in run.get_task_instances()}
    assert run.state == DagRunState.FAILED and tries["publish_tables"] == 1, "a refusal is not retried"
    assert states == {"publish_tables": "failed", "deliver_to_partners": "success", "build_report": "skipped"}
    assert not (work.publications_dir / "measure_values" / "LATEST").exists()
