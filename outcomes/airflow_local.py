"""The embedded default: Airflow 3 on this machine (SQLite, LocalExecutor), AIRFLOW_HOME in the working folder.

``init`` migrates the metadata database and creates the ``warehouse`` pool (one slot); ``start`` runs the
scheduler, dag-processor, triggerer and api-server as background process groups, logging to
``<work>/logs/airflow-<component>.log``; ``stop`` ends them. The api-server is not optional in Airflow 3: task
processes report to its Execution API. ``python -m outcomes.airflow_local up`` (``make up``) runs it all in the
foreground with the UI; ``down`` stops an instance left running.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from outcomes.settings import Settings, get_settings

T = TypeVar("T")
PORT_ENV = "OUTCOMES_AIRFLOW_PORT"
HOST_ENV = "OUTCOMES_AIRFLOW_HOST"
DEFAULT_PORT = 8780  # not 8080 (often taken) and not 8793/8794 (Airflow's own log servers)
WAREHOUSE_POOL = "warehouse"
READY_MARKER = "_READY"
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
            # two cores: a few tasks at once (ingest is I/O and DuckDB), one parser
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "4",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            # new or changed DAG files (a new contract) show up within seconds, not minutes
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
            "AIRFLOW__DAG_PROCESSOR__PRINT_STATS_INTERVAL": "0",
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5",
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
    """Create or upgrade the metadata database and the ``warehouse`` pool. Safe to run again."""
    settings = settings or get_settings()
    Path(settings.airflow_home).mkdir(parents=True, exist_ok=True)
    env = airflow_env(settings)
    _airflow(["db", "migrate"], env)
    _airflow(["pools", "set", WAREHOUSE_POOL, "1", "The only warehouse (DuckDB) writer/reader at a time"], env)


# -- processes -----------------------------------------------------------------------------------------------


@dataclass
class Handle:
    """What ``start`` started: one process group per component, their logs, and the API address."""

    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)
    port: int = DEFAULT_PORT
    pid_file: Path | None = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def alive(self) -> dict[str, bool]:
        return {name: p.poll() is None for name, p in self.processes.items()}

    def __enter__(self) -> Handle:
        return self

    def __exit__(self, *exc: object) -> None:
        stop(self)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) != 0


def start(settings: Settings | None = None, ui: bool = False, port: int | None = None) -> Handle:
    """Start scheduler, dag-processor, triggerer and api-server in the background (call ``init`` first).

    ``ui=False`` still starts the api-server (tasks need its Execution API) but only the ``execution`` and
    ``core`` apps matter; the UI is served either way on ``handle.url``.
    """
    settings = settings or get_settings()
    port = port or api_port()
    for p in (port, port + 1, port + 2):
        if not _port_free(p):
            raise RuntimeError(
                f"port {p} is in use (another Airflow still running? try `python -m outcomes.airflow_local down`, "
                f"or set {PORT_ENV})"
            )
    env = airflow_env(settings, port)
    logs_dir = Path(settings.logs_dir)
    logs_dir.mkdir(parents=True, exist_ok=True)
    exe = shutil.which("airflow", path=env["PATH"]) or "airflow"
    handle = Handle(port=port, pid_file=Path(settings.airflow_home) / "outcomes-local.pids.json")
    try:
        for name in COMPONENTS:
            args = [exe, name]
            if name == "api-server":
                args += ["--port", str(port), "--host", env["AIRFLOW__API__HOST"]]
            log_path = logs_dir / f"airflow-{name}.log"
            with log_path.open("ab") as log:
                log.write(f"\n==== {datetime.now().isoformat(timespec='seconds')} starting {name}\n".encode())
                log.flush()
                handle.processes[name] = subprocess.Popen(
                    args,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,  # own process group: stop() ends the component and its children
                )
            handle.logs[name] = log_path
    except Exception:
        stop(handle)
        raise
    handle.pid_file.write_text(json.dumps({n: p.pid for n, p in handle.processes.items()}))
    return handle


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)  # the component was started as a session leader: its pgid is its pid
    except (ProcessLookupError, PermissionError):
        pass


def stop(handle: Handle, timeout: float = 30) -> None:
    """SIGTERM each component's process group (scheduler first), wait, then SIGKILL what is left."""
    order = [n for n in reversed(COMPONENTS) if n in handle.processes]
    for name in order:
        proc = handle.processes[name]
        if proc.poll() is None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout if name == "scheduler" else timeout / 3)
            except subprocess.TimeoutExpired:
                pass
    for name in order:
        proc = handle.processes[name]
        _signal_group(proc.pid, signal.SIGKILL)  # children (task processes) may outlive their leader
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    if handle.pid_file and handle.pid_file.exists():
        handle.pid_file.unlink()


def down(settings: Settings | None = None) -> list[int]:
    """Stop an instance recorded in the pid file (e.g. left over by an interrupted demo)."""
    settings = settings or get_settings()
    pid_file = Path(settings.airflow_home) / "outcomes-local.pids.json"
    if not pid_file.exists():
        return []
    pids = list(json.loads(pid_file.read_text()).values())
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            _signal_group(pid, sig)
        time.sleep(5 if sig == signal.SIGTERM else 0)
    pid_file.unlink()
    return pids


# -- waiting (always bounded) --------------------------------------------------------------------------------


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


def api_get(handle: Handle, path: str, **query: Any) -> Any:
    """GET a path of the REST API (``/api/v2/...``) and decode the JSON (no login needed locally)."""
    url = handle.url + path + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


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
        return wait_for(check, timeout, "Airflow to report healthy", interval=2)
    except TimeoutError:
        if any(not ok for ok in handle.alive().values()):
            return check()  # raise the clearer "component exited" error
        raise


def wait_for_dags(handle: Handle, dag_ids: Iterable[str], timeout: float = 120) -> list[str]:
    """Until every DAG id is parsed and unpaused."""
    wanted = set(dag_ids)

    def check():
        dags = api_get(handle, "/api/v2/dags", limit=1000)["dags"]
        ready = {d["dag_id"] for d in dags if not d.get("is_paused")}
        return sorted(wanted) if wanted <= ready else None

    return wait_for(check, timeout, f"DAGs {sorted(wanted)} to be parsed and unpaused", interval=2)


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


# -- dropping files like a partner ---------------------------------------------------------------------------


def drop_files(paths: Iterable[Path | str], landing_dir: Path | str, ready: bool = True) -> list[Path]:
    """Deliver files the way partners must: copy under a hidden temporary name, rename atomically, then write
    the ``_READY`` marker (also atomically) so the watcher never sees a half-written file. A sidecar
    ``<file>.manifest.json`` next to a source file travels with it (before the file itself)."""
    landing = Path(landing_dir)
    landing.mkdir(parents=True, exist_ok=True)
    delivered = []
    for src in map(Path, paths):
        for item in (src.with_name(src.name + ".manifest.json"), src):
            if item.exists():
                tmp = landing / f".{item.name}.part"
                shutil.copyfile(item, tmp)
                os.replace(tmp, landing / item.name)
        delivered.append(landing / src.name)
    if ready:
        tmp = landing / f".{READY_MARKER}.part"
        tmp.write_text(datetime.now().isoformat(timespec="seconds") + "\n")
        os.replace(tmp, landing / READY_MARKER)
    return delivered


def drop_for_feed(paths: Iterable[Path | str], feed_id: str, settings: Settings | None = None) -> list[Path]:
    """``drop_files`` into the landing folder of the contract with ``feed_id``."""
    from ingest.contract import contract_for_feed

    settings = settings or get_settings()
    contract = contract_for_feed(settings.contracts_dir, feed_id)
    return drop_files(paths, settings.landing_dir / contract.landing_subdir())


# -- command line --------------------------------------------------------------------------------------------


def up(settings: Settings | None = None) -> None:
    """Foreground: init, start everything, print where to look, stop everything on Ctrl-C."""
    settings = settings or get_settings()
    print(f"==> preparing Airflow in {settings.airflow_home}")
    init(settings)

    def _interrupt(signum, frame):  # SIGTERM/SIGHUP stop everything as Ctrl-C does
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    handle = start(settings, ui=True)
    try:
        wait_until_healthy(handle, timeout=180)
        print(
            f"\nAirflow is up: {handle.url}  (no login needed: local simple auth, everyone is admin,"
            f" bound to {airflow_env(settings)['AIRFLOW__API__HOST']})\n"
            f"  landing folders: {settings.landing_dir}/<ORG>/<feed>/  (drop files, then write _READY)\n"
            f"  logs: {settings.logs_dir}/airflow-*.log   alerts: {settings.alerts_path}\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        while all(handle.alive().values()):
            time.sleep(1)
        print(f"a component exited: {handle.alive()}; stopping the rest", file=sys.stderr)
    except KeyboardInterrupt:
        print("\n==> stopping Airflow")
    finally:
        stop(handle)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else "up"
    if command == "up":
        up()
    elif command == "init":
        init()
    elif command == "down":
        print(f"stopped process groups {down()}")
    elif command == "env":
        for key, value in sorted(airflow_env().items()):
            if key.startswith(("AIRFLOW", "OUTCOMES_WORK")):
                print(f"export {key}={value!r}")
    else:
        print("usage: python -m outcomes.airflow_local [up|init|down|env]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
