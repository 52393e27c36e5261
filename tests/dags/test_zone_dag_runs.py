"""The identifiable zone under Airflow (``dag.test()``, in-process): the daily archive purge, and the
pseudonymisation key read inside a task from an Airflow Variable held in the metadata database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from ingest.archive import mark_archived
from ingest.zone import private_dir
from tests.ingest.ecds_rows import nhs_number, row, write_ecds

pytestmark = pytest.mark.xdist_group("airflow_db")

KEY_IN_AIRFLOW = "key-held-only-by-airflow-0123456789"


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTCOMES_WORK_DIR", str(tmp_path / "work"))
    for var in ("OUTCOMES_ALERT_WEBHOOK", "OUTCOMES_ALERT_EMAIL_TO", "OUTCOMES_SMTP_HOST",
                "OUTCOMES_IDENTIFIABLE_DIR", "OUTCOMES_ARCHIVE_RETENTION_DAYS"):
        monkeypatch.delenv(var, raising=False)
    from config.settings import get_settings

    return get_settings()


def test_the_daily_purge_removes_only_archived_deliveries_past_retention(airflow_db, dagbag, work, monkeypatch):
    """GIVEN archive folders archived 40 days and 2 days ago WHEN the purge_archive DAG runs THEN the first is
    removed, the second kept, and the task returns what it removed."""
    monkeypatch.setenv("OUTCOMES_PSEUDONYM_KEY", "not-needed-by-a-purge-0123456789")
    now = datetime.now(UTC)
    for batch, age in (("old", timedelta(days=40)), ("recent", timedelta(days=2))):
        folder = private_dir(work.archive_dir / "rwp_ecds" / batch, work.identifiable_dir)
        (folder / "RWP_ECDS_2025-01.csv").write_text("x\n")
        mark_archived(folder, now - age)

    run = dagbag.dags["purge_archive"].test()

    assert run.state == "success"
    assert sorted(p.name for p in (work.archive_dir / "rwp_ecds").iterdir()) == ["recent"]
    (ti,) = run.get_task_instances()
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        value = session.query(XComModel.value).filter_by(dag_id="purge_archive", run_id=run.run_id,
                                                         task_id="purge", key="return_value").scalar()
    returned = json.loads(value) if isinstance(value, str) else value
    assert [(d["feed_id"], d["batch_id"]) for d in returned["expired"]] == [("rwp_ecds", "old")]
    assert returned["kept"] == 1


@pytest.fixture
def key_only_in_airflow(airflow_db, monkeypatch):
    """GIVEN the key nowhere in the environment, only as the Airflow Variable outcomes_pseudonym_key stored in
    the metadata database (which a task reaches through the Execution API, not through the environment)."""
    from airflow.models.variable import Variable

    for var in ("OUTCOMES_PSEUDONYM_KEY", "AIRFLOW_VAR_OUTCOMES_PSEUDONYM_KEY", "AIRFLOW_CONN_OUTCOMES_PSEUDONYM_KEY"):
        monkeypatch.delenv(var, raising=False)
    Variable.set("outcomes_pseudonym_key", KEY_IN_AIRFLOW)
    yield KEY_IN_AIRFLOW
    Variable.delete("outcomes_pseudonym_key")


def test_an_ingest_task_takes_the_key_from_an_airflow_variable(key_only_in_airflow, dagbag, work, tmp_path, capfd):
    """WHEN the ingest DAG runs for one file THEN it loads, its person_id is the pseudonym under the Airflow-held
    key, and the key appears in no output, log or file of the working folder."""
    from ingest.pseudonymise import pseudonym

    path = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(4)])

    run = dagbag.dags["ingest__rwp_ecds"].test(run_conf={"path": str(path)})

    assert run.state == "success"
    person_ids = duckdb.sql(f"select person_id from read_parquet('{work.raw_dir}/*/*/*.parquet') "
                            "order by _source_line").fetchall()
    assert [p for (p,) in person_ids] == [pseudonym(key_only_in_airflow.encode(), nhs_number(i)) for i in range(4)]
    captured = capfd.readouterr()
    assert key_only_in_airflow not in captured.out + captured.err
    written = [p for p in work.work_dir.rglob("*") if p.is_file()]
    assert written and not [p for p in written if key_only_in_airflow.encode() in p.read_bytes()]
