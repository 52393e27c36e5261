"""Credentials come only from Airflow connections (or the secrets backend behind them), looked up at run time.

Outside a task (the command line, tests) Airflow's environment-variable backend (``AIRFLOW_CONN_<ID>``) and any
configured secrets backend answer; inside a task, the Execution API does. Nothing here logs or stores a secret.
"""

from __future__ import annotations

from typing import Any

from pull.errors import SourceMisconfigured


def get_connection(conn_id: str, feed_id: str) -> Any:
    """The Airflow connection ``conn_id`` for ``feed_id``'s source; a clear error naming both when it is missing."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return Connection.get(conn_id)
    except AirflowNotFoundException:
        raise SourceMisconfigured(
            f"feed {feed_id}: Airflow connection {conn_id!r} is not defined: add it in the Airflow UI (Admin > "
            f"Connections), the secrets backend, or as AIRFLOW_CONN_{conn_id.upper()} (see README, "
            "'Pulling from source systems')") from None


def extra(conn: Any) -> dict:
    """The connection's extra fields as a dict (empty when it has none)."""
    value = conn.extra_dejson if hasattr(conn, "extra_dejson") else {}
    return dict(value or {})
