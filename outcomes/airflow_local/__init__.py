"""The embedded default: Airflow 3 on this machine (SQLite, LocalExecutor), AIRFLOW_HOME in the working folder.

``init`` migrates the metadata database, creates the ``warehouse`` pool (one slot) and builds the warehouse whole
unless this code already did (``transform.build.build_unless_current``); ``start`` runs the
scheduler, dag-processor, triggerer and api-server as background process groups, logging to
``<work>/logs/airflow-<component>.log``; ``stop`` ends them. The api-server is not optional in Airflow 3: task
processes report to its Execution API. ``python -m outcomes.airflow_local up`` (``make up``) runs it all in the
foreground with the UI; ``down`` stops an instance left running.
"""

from outcomes.airflow_local.api import (
    api_get,
    api_send,
    asset_events,
    dag_runs,
    parse_time,
    publication_events,
    unfinished_runs,
    unpause,
    wait_for,
    wait_for_asset_event,
    wait_for_dag_run,
    wait_for_dags,
    wait_for_publication,
    wait_for_publication_covering,
    wait_until_healthy,
    wait_until_idle,
)
from outcomes.airflow_local.config import (
    COMPONENTS,
    DEFAULT_PORT,
    HOST_ENV,
    PORT_ENV,
    WAREHOUSE_POOL,
    airflow_env,
    api_port,
    init,
)
from outcomes.airflow_local.delivery import READY_MARKER, drop_files, drop_for_feed
from outcomes.airflow_local.processes import Handle, down, start, stop

__all__ = [
    "COMPONENTS", "DEFAULT_PORT", "HOST_ENV", "Handle", "PORT_ENV", "READY_MARKER", "WAREHOUSE_POOL", "airflow_env",
    "api_get", "api_port", "api_send", "asset_events", "dag_runs", "down", "drop_files", "drop_for_feed", "init",
    "parse_time", "publication_events", "start", "stop", "unfinished_runs", "unpause", "wait_for",
    "wait_for_asset_event", "wait_for_dag_run", "wait_for_dags", "wait_for_publication",
    "wait_for_publication_covering", "wait_until_healthy", "wait_until_idle",
]
