"""A failed task's reason as its task instance note, so the Airflow grid shows why without opening the log.

Tasks cannot write to the metadata database, and the Execution API has no note, so the note goes through the
public REST API (``PATCH /api/v2/dags/{dag}/dagRuns/{run}/taskInstances/{task}[/{map_index}]``) of the
api-server the task already reports to (``AIRFLOW__CORE__EXECUTION_API_SERVER_URL`` without ``/execution``,
or ``OUTCOMES_AIRFLOW_API_URL``). The embedded default's simple auth manager (everyone admin) needs no login; an
api-server that asks for one refuses the note. Best effort: a note that cannot be written is logged, never
raised.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.parse
import urllib.request

log = logging.getLogger(__name__)

API_URL_ENV = "OUTCOMES_AIRFLOW_API_URL"
NOTE_LIMIT = 1000  # Airflow's note column is 1000 characters
TIMEOUT_SECONDS = 5.0


def api_base() -> str | None:
    if url := os.environ.get(API_URL_ENV, "").strip():
        return url.rstrip("/")
    execution = os.environ.get("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", "").strip().rstrip("/")
    return execution.removesuffix("/execution") or None


def _patch(url: str, body: dict) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="PATCH",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - our own api-server
        response.read()


def set_note(dag_id: str, run_id: str, task_id: str, map_index: int | None, note: str) -> bool:
    """Write ``note`` (cut to 1,000 characters) on the task instance; True when the api-server accepted it."""
    base = api_base()
    if not base:
        return False
    path = "/".join(urllib.parse.quote(str(p), safe="") for p in (dag_id, run_id, task_id))
    dag, run, task = path.split("/")
    url = f"{base}/api/v2/dags/{dag}/dagRuns/{run}/taskInstances/{task}"
    if map_index is not None and map_index >= 0:
        url += f"/{map_index}"
    try:
        _patch(url, {"note": note[:NOTE_LIMIT]})
        return True
    except Exception as exc:  # noqa: BLE001 - a note is a convenience; the log and the alert hold the reason
        log.warning("could not write the task instance note at %s: %s", url, exc)
        return False
