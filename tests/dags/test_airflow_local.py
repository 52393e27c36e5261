"""The embedded default's configuration and the partner-style file drop (no Airflow processes started here)."""

from __future__ import annotations

import os
from pathlib import Path

from outcomes import airflow_local


def test_airflow_env_points_everything_at_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTCOMES_WORK_DIR", str(tmp_path))
    monkeypatch.delenv("OUTCOMES_IDENTIFIABLE_DIR", raising=False)
    monkeypatch.setenv("OUTCOMES_ARCHIVE_RETENTION_DAYS", "9")
    from config.settings import get_settings

    settings = get_settings()
    env = airflow_local.airflow_env(settings, port=8799)
    assert env["AIRFLOW_HOME"] == str(tmp_path / "airflow")
    assert env["OUTCOMES_IDENTIFIABLE_DIR"] == str(tmp_path / "identifiable")
    assert env["OUTCOMES_ARCHIVE_RETENTION_DAYS"] == "9"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{tmp_path / 'airflow' / 'airflow.db'}"
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(settings.project_root / "dags")
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "False"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8799/execution/"
    assert env["PATH"].split(os.pathsep)[0] == str(Path(os.sys.executable).parent)
    assert {env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"], env["AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT"]} == {
        "8800",
        "8801",
    }


def test_drop_files_renames_into_place_then_writes_the_marker(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "RWP_ECDS_202501.csv").write_text("a,b\n1,2\n")
    (src / "RWP_ECDS_202501.csv.manifest.json").write_text('{"row_count": 1}')
    landing = tmp_path / "landing" / "RWP" / "ecds"
    delivered = airflow_local.drop_files([src / "RWP_ECDS_202501.csv"], landing)
    assert delivered == [landing / "RWP_ECDS_202501.csv"]
    assert sorted(p.name for p in landing.iterdir()) == [
        "RWP_ECDS_202501.csv",
        "RWP_ECDS_202501.csv.manifest.json",
        "_READY",
    ]  # no temporary names left
    assert (landing / "RWP_ECDS_202501.csv").read_text() == "a,b\n1,2\n"
    marker, data = (landing / "_READY").stat(), (landing / "RWP_ECDS_202501.csv").stat()
    assert marker.st_mtime_ns >= data.st_mtime_ns


def test_wait_for_is_bounded_and_names_what_it_waited_for():
    import pytest

    with pytest.raises(TimeoutError, match="the moon"):
        airflow_local.wait_for(lambda: None, timeout=0.3, what="the moon", interval=0.1)
    assert airflow_local.wait_for(lambda: 42, timeout=1, what="x") == 42
