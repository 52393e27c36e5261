"""Configuration of the embedded Airflow: its environment, ports, metadata database and pool."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from config.settings import IDENTIFIABLE_ENV, RETENTION_ENV, Settings, get_settings

log = logging.getLogger(__name__)

PORT_ENV = "OUTCOMES_AIRFLOW_PORT"
HOST_ENV = "OUTCOMES_AIRFLOW_HOST"
DEFAULT_PORT = 8780  # not 8080 (often taken) and not 8793/8794 (Airflow's own log servers)
WAREHOUSE_POOL = "warehouse"
DEFAULT_PARALLELISM = 8  # task processes at once in the embedded default (airflow_env)
COMPONENTS = ("api-server", "dag-processor", "triggerer", "scheduler")  # started in this order
SIMPLE_AUTH = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"


def api_port() -> int:
    return int(os.environ.get(PORT_ENV, DEFAULT_PORT))


def airflow_env(settings: Settings | None = None, port: int | None = None) -> dict[str, str]:
    """The environment every Airflow process of the embedded default runs with."""
    settings = settings or get_settings()
    port = port or api_port()
    home = Path(settings.airflow_home)
    venv_bin = str(Path(sys.executable).parent)
    env = dict(os.environ)
    python_path = [str(settings.project_root)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(settings.project_root / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            # eight task processes at once on two cores: a task's own work is often shorter than its start-up and
            # hand-offs (the Execution API, the scheduler's loop), which other processes fill; with four, `make
            # demo`'s 79 files took 74-86 s to ingest, with eight 48-62 s (+120 MB; bench/results.md, twelfth
            # round). Four per DAG, so one feed's files never take every slot. Your AIRFLOW__CORE__PARALLELISM wins.
            "AIRFLOW__CORE__PARALLELISM": os.environ.get("AIRFLOW__CORE__PARALLELISM", str(DEFAULT_PARALLELISM)),
            "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "4",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            # the DAG folder listed every 5 s: a new or changed DAG file is parsed within seconds (the dag-processor
            # parses a file changed since its last parse at once). Unchanged files are parsed again every 30 s
            # (Airflow's default), which is when a new contract's DAG appears: every 10 s cost an idle dag-processor
            # 14.5% of a core, every 30 s 5.4% (bench/results.md, thirty-fifth round)
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
            "AIRFLOW__DAG_PROCESSOR__PRINT_STATS_INTERVAL": "0",
            # the scheduler's pause when a loop found nothing to do: each hand-off between tasks and runs waits
            # for the next loop. 0.2 s costs an idle scheduler about 6% of a core (0.5 s: about 4%)
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
            # api-server: UI + REST + the Execution API that task processes talk to
            "AIRFLOW__API__HOST": os.environ.get(HOST_ENV, "127.0.0.1"),
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(port + 1),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(port + 2),
            # local use only (bound to 127.0.0.1): no login, everyone is admin
            "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE_AUTH,
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "OUTCOMES_WORK_DIR": str(settings.work_dir),
            IDENTIFIABLE_ENV: str(settings.identifiable_dir),
            RETENTION_ENV: str(settings.archive_retention_days),
            "OUTCOMES_PROJECT_ROOT": str(settings.project_root),
            "OUTCOMES_CONTRACTS_DIR": str(settings.contracts_dir),
            "PYTHONPATH": os.pathsep.join(python_path),
            "PATH": venv_bin + os.pathsep + env.get("PATH", ""),
        }
    )
    return env


def _airflow(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    exe = shutil.which("airflow", path=env["PATH"]) or "airflow"
    proc = subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(args)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc


def init(settings: Settings | None = None) -> None:
    """Create or upgrade the metadata database and the ``warehouse`` pool and, meanwhile, build the warehouse whole
    unless the dbt project's code as it is now already built it whole (a new warehouse, or new code:
    :func:`transform.build.build_unless_current`), as the deployment's ``airflow-init`` does. Safe to run again. A
    build that fails is logged, not raised: the first transform run builds the warehouse whole then."""
    settings = settings or get_settings()
    Path(settings.airflow_home).mkdir(parents=True, exist_ok=True)
    env = airflow_env(settings)
    # dbt runs in a process of its own; the migration, on one core, goes on beside it
    with ThreadPoolExecutor(1, thread_name_prefix="warehouse-init") as pool:
        building = pool.submit(_warehouse_at_start, settings)
        _airflow(["db", "migrate"], env)
        _airflow(["pools", "set", WAREHOUSE_POOL, "1", "The only warehouse (DuckDB) writer/reader at a time"], env)
        building.result()


def _warehouse_at_start(settings: Settings) -> None:
    from transform.build import BuildFailed, build_unless_current

    try:
        result = build_unless_current(settings)
    except BuildFailed as exc:
        log.warning("the warehouse was not built at start-up (the first transform run builds it whole): %s", exc)
        return
    log.info("warehouse at start-up: %s", result.summary() if result else "already built whole by this code")
