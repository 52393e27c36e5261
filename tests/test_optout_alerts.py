"""A refused opt-out list raises an alert naming the list still in force, from every entry point that ingests.

The DAG's task (``outcomes.feed_ingest.ingest_one``) and the one-shot run (``outcomes.pipeline.ingest_many``) are
called here as they are (no Airflow needed); the command line is in test_cli.py.
"""

from __future__ import annotations

import pytest

from ingest.errors import FileRejected
from ingest.load import ingest_file
from outcomes.alerts import read_alerts
from outcomes.feed_ingest import ingest_one
from outcomes.pipeline import RunSummary, ingest_many
from tests.ingest.ecds_rows import nhs_number
from tests.ingest.test_optouts import write_optouts


@pytest.fixture
def alert_log(settings, monkeypatch):
    """GIVEN no webhook or mail server configured: alerts go to the log file only."""
    for var in ("OUTCOMES_ALERT_WEBHOOK", "OUTCOMES_ALERT_EMAIL_TO", "OUTCOMES_SMTP_HOST"):
        monkeypatch.delenv(var, raising=False)
    return lambda: read_alerts(settings)


def test_a_refused_list_raises_an_alert_naming_the_list_still_in_force(settings, tmp_path, alert_log):
    """GIVEN May's opt-out list loaded
    WHEN `outcomes run` ingests June's list, refused (its header misnames the NHS Number column), and an ECDS
    file, refused too
    THEN one alert (the list's) names June's file and its rule, and says May's list (its file, declared period
    and list date) is still in force, so opt-outs registered since are not applied; the ECDS refusal raises none."""
    may = ingest_file(write_optouts(tmp_path / "NDOP_OPTOUTS_202505.csv", "2025-05-31", [3, 5]), settings=settings)
    june = tmp_path / "NDOP_OPTOUTS_202506.csv"
    june.write_text(f"list_date,nhs_no\n2025-06-30,{nhs_number(3)}\n")
    empty = tmp_path / "RWP_ECDS_2025-06.csv"
    empty.write_bytes(b"")
    summary = RunSummary()

    ingest_many([june, empty], settings, summary)

    assert [r["file"] for r in summary.refused] == [str(june), str(empty)]
    (alert,) = alert_log()
    assert alert["kind"] == "optout_list_refused"
    assert "NDOP_OPTOUTS_202506.csv" in alert["reason"] and "file.header" in alert["reason"]
    assert ("the list still in force is NDOP_OPTOUTS_202505.csv (declared period 2025-05-01, list date 2025-05-31"
            in alert["reason"] and "opt-outs registered since are not applied" in alert["reason"])
    assert alert["details"]["in_force"] == {"file": "NDOP_OPTOUTS_202505.csv", "batch_id": may.batch_id,
                                            "declared_period": "2025-05-01", "list_date": "2025-05-31"}


def test_a_refused_first_list_in_an_ingest_task_says_no_list_is_in_force(settings, tmp_path, alert_log):
    """GIVEN no opt-out list loaded yet WHEN the ingest DAG's task is given the first list, empty
    THEN the task raises the refusal and the alert says no opt-out list is in force."""
    first = tmp_path / "NDOP_OPTOUTS_202504.csv"
    first.write_bytes(b"")

    with pytest.raises(FileRejected):
        ingest_one(str(first), "ndop_optouts")

    (alert,) = alert_log()
    assert alert["kind"] == "optout_list_refused" and "NDOP_OPTOUTS_202504.csv" in alert["reason"]
    assert "no opt-out list is in force" in alert["reason"] and alert["details"]["in_force"] is None


def test_a_refused_activity_file_in_an_ingest_task_raises_no_list_alert(settings, tmp_path, alert_log):
    """GIVEN an empty ECDS file WHEN the ingest DAG's task is given it THEN it is refused and no alert is raised
    here (a failed task is alerted by the DAG's failure callback)."""
    empty = tmp_path / "RWP_ECDS_2025-04.csv"
    empty.write_bytes(b"")

    with pytest.raises(FileRejected):
        ingest_one(str(empty), "rwp_ecds")

    assert alert_log() == []
