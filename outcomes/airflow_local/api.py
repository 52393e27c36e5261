"""Bounded waits and REST (``/api/v2``) queries against a running embedded Airflow."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from config import names
from outcomes.airflow_local.processes import Handle

T = TypeVar("T")


def wait_for(check: Callable[[], T], timeout: float, what: str, interval: float = 1.0) -> T:
    """Call ``check`` until it returns something truthy; raise ``TimeoutError`` naming ``what`` after timeout."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = check()
            if result:
                return result
        except Exception as exc:  # not up yet: keep trying until the deadline
            last_error = exc
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}{detail}")
        time.sleep(interval)


def api_get(handle: Handle, path: str, sleep: Callable[[float], None] = time.sleep, **query: Any) -> Any:
    """GET a path of the REST API (``/api/v2/...``) and decode the JSON (no login needed locally); a GET answered
    with a server error, or not answered in time, is sent again (ATTEMPTS in all)."""
    url = handle.url + path + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")
    return _answer(lambda: urllib.request.Request(url), ATTEMPTS, sleep)


# The embedded default's SQLite metadata database answers a write with HTTP 500 when another process held its
# write lock past SQLite's 5 s wait ("database is locked", seen in the demo's unpause on a loaded machine), and the
# API server has left a request unanswered past its 10 s (a GET of the DAG runs, once, in `make bench BENCH=latency`
# right after Airflow started; its cause not found). A GET reads and a PATCH sets a state, so sending either again is
# safe, after 1, 2, 3 and 4 s. A POST (a new run) is never sent twice.
ATTEMPTS = 5
TIMEOUT_SECONDS = 10  # one send's wait for its answer


def api_send(handle: Handle, path: str, body: dict, method: str = "PATCH",
             sleep: Callable[[float], None] = time.sleep) -> Any:
    """PATCH (or POST) JSON to the REST API and decode the answer (no login needed locally); a PATCH answered
    with a server error, or not answered in time, is sent again (ATTEMPTS in all)."""
    def request() -> urllib.request.Request:
        return urllib.request.Request(handle.url + path, data=json.dumps(body).encode(), method=method,
                                      headers={"Content-Type": "application/json"})
    return _answer(request, ATTEMPTS if method == "PATCH" else 1, sleep)


def _answer(request: Callable[[], urllib.request.Request], attempts: int, sleep: Callable[[float], None]) -> Any:
    """Send the request (made anew for each attempt) and decode its JSON answer; a server error (HTTP 5xx) or no
    answer within TIMEOUT_SECONDS is tried again, up to ``attempts`` sends in all. A client error, a refused
    connection (no server: the callers' waits try again) and the last attempt's failure are raised."""
    for attempt in range(1, attempts + 1):
        try:
            with urllib.request.urlopen(request(), timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if exc.code < 500 or attempt == attempts:
                raise
        except (TimeoutError, urllib.error.URLError) as exc:
            timed_out = isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError)
            if not timed_out or attempt == attempts:
                raise
        sleep(attempt)
    raise AssertionError("unreachable")


def unpause(handle: Handle, dag_ids: Iterable[str]) -> None:
    for dag_id in dag_ids:
        api_send(handle, f"/api/v2/dags/{dag_id}", {"is_paused": False})


def unfinished_runs(handle: Handle) -> list[dict]:
    """Every DAG run that is queued or running, of any DAG."""
    return api_get(handle, "/api/v2/dags/~/dagRuns", state=["queued", "running"], limit=1000)["dag_runs"]


def wait_until_idle(handle: Handle, timeout: float = 300, interval: float = 2.0) -> None:
    """Until no DAG run is queued or running (so stopping leaves nothing for the next start to pick up)."""
    wait_for(lambda: not unfinished_runs(handle), timeout, "every queued and running DAG run to finish", interval)


def wait_until_healthy(handle: Handle, timeout: float = 120) -> dict:
    """Until the API answers and reports scheduler, triggerer and dag-processor healthy."""

    def check():
        dead = [n for n, ok in handle.alive().items() if not ok]
        if dead:
            raise RuntimeError(f"component(s) exited: {dead}; see {[str(handle.logs[n]) for n in dead]}")
        health = api_get(handle, "/api/v2/monitor/health")
        parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
        return health if all((health.get(p) or {}).get("status") == "healthy" for p in parts) else None

    try:
        return wait_for(check, timeout, "Airflow to report healthy", interval=0.5)
    except TimeoutError:
        if any(not ok for ok in handle.alive().values()):
            return check()  # raise the clearer "component exited" error
        raise


def wait_for_dags(handle: Handle, dag_ids: Iterable[str], timeout: float = 120, unpause_them: bool = False
                  ) -> list[str]:
    """Until every DAG id is parsed and unpaused (``unpause_them``: unpausing those that are paused)."""
    wanted = set(dag_ids)

    def check():
        dags = api_get(handle, "/api/v2/dags", limit=1000)["dags"]
        if unpause_them:
            unpause(handle, [d["dag_id"] for d in dags if d["dag_id"] in wanted and d.get("is_paused")])
            dags = api_get(handle, "/api/v2/dags", limit=1000)["dags"]
        ready = {d["dag_id"] for d in dags if not d.get("is_paused")}
        return sorted(wanted) if wanted <= ready else None

    return wait_for(check, timeout, f"DAGs {sorted(wanted)} to be parsed and unpaused", interval=0.5)


def asset_events(handle: Handle, name: str, since: datetime | None = None) -> list[dict]:
    """Events of the asset named ``name`` (oldest first), optionally only those after ``since``."""
    # only_active=False: assets created through an alias (publication.<table>) are not "active" (no DAG names them)
    assets = api_get(handle, "/api/v2/assets", name_pattern=name, only_active="false", limit=1000)["assets"]
    ids = [a["id"] for a in assets if a["name"] == name]
    if not ids:
        return []
    query: dict[str, Any] = {"asset_id": ids[0], "order_by": "timestamp", "limit": 1000}
    if since is not None:
        query["timestamp_gte"] = since.isoformat()
    return api_get(handle, "/api/v2/assets/events", **query)["asset_events"]


def wait_for_asset_event(handle: Handle, name: str, since: datetime, timeout: float = 300) -> list[dict]:
    return wait_for(lambda: asset_events(handle, name, since), timeout, f"an event on asset {name!r}", 2)


def publication_events(handle: Handle, since: datetime | None = None) -> dict[str, list[dict]]:
    """Events of every ``publication.<table>`` asset (emitted by the publish DAG through its alias)."""
    assets = api_get(handle, "/api/v2/assets", name_pattern="publication.", only_active="false", limit=1000)
    names = sorted(a["name"] for a in assets["assets"] if a["name"].startswith("publication."))
    return {name: events for name in names if (events := asset_events(handle, name, since))}


def wait_for_publication(handle: Handle, since: datetime, timeout: float = 300) -> dict[str, list[dict]]:
    """Until at least one publication event after ``since``; returns them by asset name."""
    return wait_for(lambda: publication_events(handle, since), timeout, "a publication asset event", 2)


def dag_runs(handle: Handle, dag_id: str) -> list[dict]:
    return api_get(handle, f"/api/v2/dags/{dag_id}/dagRuns", order_by="-run_after", limit=100)["dag_runs"]


def wait_for_dag_run(
    handle: Handle, dag_id: str, states: Iterable[str] = ("success", "failed"), timeout: float = 300
) -> dict:
    """Until the newest run of ``dag_id`` is in one of ``states``; returns that run."""
    states = set(states)

    def check():
        runs = dag_runs(handle, dag_id)
        return runs[0] if runs and runs[0]["state"] in states else None

    return wait_for(check, timeout, f"a {dag_id} run in state {sorted(states)}", interval=2)



def parse_time(value: str) -> datetime:
    """An API or ledger timestamp (ISO 8601, ``Z`` or offset) as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def wait_for_publication_covering(handle: Handle, table: str, last_commit: datetime, since: datetime,
                                  timeout: float = 300, interval: float = 1.0) -> dict:
    """Until a ``transform`` run that started after ``last_commit`` (the last ingest's ledger commit) succeeded,
    then the ``publication.<table>`` event that followed the ``marts`` event of the build covering that commit;
    returns that event.

    ``build`` reads every batch committed when it starts and shares the one-slot ``warehouse`` pool with
    ``publish_tables``, so that publication covers every file committed by then. The covering build is that run's
    own, or, when the run skipped because an earlier build had already covered every batch, that earlier one: the
    last ``marts`` event up to the run's end (transform runs one at a time). Asset events are polled, never
    fetched once: Airflow 3.3 answers 500 on ``/api/v2/assets/events`` while a run an event created is queued.
    """

    def build_after_last_commit():
        return next((r for r in reversed(dag_runs(handle, "transform")) if r["state"] == "success"
                     and r["start_date"] and parse_time(r["start_date"]) > last_commit and r["end_date"]), None)

    run = wait_for(build_after_last_commit, timeout, "a transform run started after the last ingest", interval)
    ended = parse_time(run["end_date"])

    def covering_build():
        built = [e for e in asset_events(handle, names.MARTS_ASSET, since)
                 if e["source_run_id"] == run["dag_run_id"] or parse_time(e["timestamp"]) <= ended]
        return built[-1] if built else None

    marts = wait_for(covering_build, 60, "the marts event of the build covering the last commit", interval)

    def publication_after():
        events = asset_events(handle, names.publication_asset(table), since)
        return next((e for e in events if parse_time(e["timestamp"]) > parse_time(marts["timestamp"])), None)

    return wait_for(publication_after, timeout, f"{names.publication_asset(table)} after that build", interval)
