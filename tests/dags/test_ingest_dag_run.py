"""The generated ingest DAG run in-process (``dag.test()``): one file on demand, a good one and a rejected one.

GIVEN a private working folder and a file named like the contract's pattern, WHEN the ingest DAG runs with the
``path`` param, THEN a good file is loaded once (one mapped task, a ledger row, a raw asset event) and a
rejected file fails its task at once, without retry, with the rule in the reason and an alert recorded.
"""

from __future__ import annotations

import csv
import json
import random

import pytest

pytestmark = pytest.mark.xdist_group("airflow_db")


def _nhs_number(rnd: random.Random) -> str:
    while True:
        stem = str(rnd.randint(400000000, 499999999))
        check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(stem)) % 11
        if check != 10:
            return stem + str(0 if check == 11 else check)


def write_ecds(path, rows=12, seed=3):
    rnd = random.Random(seed)
    header = [
        "attendance_id",
        "nhs_number",
        "date_of_birth",
        "sex",
        "ethnic_category",
        "lsoa_code",
        "gp_practice_code",
        "site_code",
        "department_type",
        "arrival_mode",
        "acuity",
        "arrival_datetime",
        "departure_datetime",
        "discharge_destination",
    ]
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        for i in range(rows):
            day, hour = rnd.randint(1, 28), rnd.randint(0, 20)
            out.writerow(
                [
                    f"T{i:05d}",
                    _nhs_number(rnd),
                    "1970-03-15",
                    "1",
                    "A",
                    "E01032288",
                    "M81001",
                    "RWP50",
                    "01",
                    "1",
                    "3",
                    f"2025-01-{day:02d} {hour:02d}:00:00",
                    f"2025-01-{day:02d} {hour + 3:02d}:30:00",
                    "306689006",
                ]
            )
    return path


@pytest.fixture
def work(quiet_work, monkeypatch):
    monkeypatch.setenv("OUTCOMES_PSEUDONYM_KEY", "test-key-not-secret-0123456789")
    return quiet_work


def _run(dagbag, path):
    from airflow.utils.state import DagRunState

    dag = dagbag.dags["ingest__rwp_ecds"]
    run = dag.test(run_conf={"path": str(path)})
    tis = {(ti.task_id, ti.map_index): ti for ti in run.get_task_instances()}
    return run, tis, DagRunState


def test_one_file_on_demand_is_loaded_once(airflow_db, dagbag, work, tmp_path):
    path = write_ecds(tmp_path / "RWP_ECDS_2025-01.csv")
    run, tis, states = _run(dagbag, path)
    assert run.state == states.SUCCESS
    assert [k for k in tis if k[0] == "ingest"] == [("ingest", 0)], "one mapped task for the one file"
    ledger = [json.loads(p.read_text()) for p in work.ledger_dir.glob("*.json")]
    assert [(e["status"], e["rows_accepted"], e["period_start"]) for e in ledger] == [("loaded", 12, "2025-01-01")]


def test_a_refused_file_fails_at_once_in_one_line_and_the_run_reports_it(airflow_db, dagbag, work, tmp_path, capfd):
    """GIVEN a refused file WHEN its ingest DAG runs THEN its task fails at try 1 (no retry), labelled with the
    file's name, its log carrying the reason as one line and no traceback; an alert names DAG, task and reason;
    and the run's ``report`` task (a teardown: the run still fails) emits ``ingest.rwp_ecds`` with the refusal."""
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session

    from outcomes.alerts import read_alerts

    path = tmp_path / "RWP_ECDS_202502.csv"
    path.write_text("not,the,contract,header\n1,2,3,4\n")
    capfd.readouterr()
    run, tis, states = _run(dagbag, path)
    log = capfd.readouterr().out

    assert run.state == states.FAILED and tis[("report", -1)].state == "success"
    ti = tis[("ingest", 0)]
    assert ti.state == "failed" and ti.try_number == 1, "a data error is not retried"
    assert ti.rendered_map_index == "RWP_ECDS_202502.csv", "the grid names the refused file"
    assert "REFUSED RWP_ECDS_202502.csv: rejected by rule file.period" in log and "Traceback" not in log
    (alert,) = read_alerts(work)
    assert (alert["kind"], alert["dag_id"], alert["task_id"]) == ("task_failure", "ingest__rwp_ecds", "ingest")
    assert alert["reason"].startswith("Refused: RWP_ECDS_202502.csv: rejected by rule file.period")
    with create_session() as session:
        event = session.query(AssetEvent).filter(AssetEvent.source_run_id == run.run_id).one()
        asset, extra = (event.asset.name, event.asset.group), event.extra
    assert asset == ("ingest.rwp_ecds", "raw")
    (refusal,) = extra["refused"]
    assert refusal["rule"] == "file.period" and refusal["file"] == "RWP_ECDS_202502.csv"
