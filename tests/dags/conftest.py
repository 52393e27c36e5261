"""Airflow in tests: a private AIRFLOW_HOME, no examples, dags/ as the DAG folder.

The environment is set when this file is imported, before anything imports airflow (its configuration is read
once, at import). The metadata database is migrated only by the fixtures that need it (``airflow_db``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"

_HOME = tempfile.mkdtemp(prefix="outcomes-airflow-test-")
os.environ["AIRFLOW_HOME"] = _HOME
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_HOME}/airflow.db"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
if str(DAGS) not in sys.path:  # as the dag-processor's bundle does
    sys.path.append(str(DAGS))


@pytest.fixture(scope="session")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


@pytest.fixture(scope="session")
def airflow_db():
    """Migrate this session's SQLite metadata database once (needed by ``dag.test()``)."""
    from airflow.utils import db

    db.initdb()
    return _HOME


@pytest.fixture
def quiet_work(tmp_path, monkeypatch):
    """Settings for a private working folder (``tmp_path/work``) with no alert channel configured: alerts are only
    written to the folder's alerts file."""
    monkeypatch.setenv("OUTCOMES_WORK_DIR", str(tmp_path / "work"))
    for var in ("OUTCOMES_ALERT_WEBHOOK", "OUTCOMES_ALERT_EMAIL_TO", "OUTCOMES_SMTP_HOST"):
        monkeypatch.delenv(var, raising=False)
    from config.settings import get_settings

    return get_settings()
