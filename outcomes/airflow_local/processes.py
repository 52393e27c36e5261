"""Starting and stopping the embedded Airflow components as background process groups."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from config.settings import Settings, get_settings
from outcomes.airflow_local.config import COMPONENTS, DEFAULT_PORT, PORT_ENV, airflow_env, api_port

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


def start(settings: Settings | None = None, ui: bool = False, port: int | None = None,
          paused: bool = False) -> Handle:
    """Start scheduler, dag-processor, triggerer and api-server in the background (call ``init`` first).

    ``ui=False`` still starts the api-server (tasks need its Execution API) but only the ``execution`` and
    ``core`` apps matter; the UI is served either way on ``handle.url``. ``paused=True`` creates new DAGs
    paused (the demo unpauses those it drives, so no scheduled run starts before its data is there).
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
    if paused:
        env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "True"
    logs_dir = Path(settings.logs_dir)
    logs_dir.mkdir(parents=True, exist_ok=True)
    handle = Handle(port=port, pid_file=pid_file(settings))
    try:
        for name in COMPONENTS:
            # through the launcher: the scheduler's and triggerer's log servers listen on loopback only
            args = [sys.executable, "-m", "outcomes.airflow_local.launch", name]
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
            handle.pid_file.write_text(json.dumps({n: p.pid for n, p in handle.processes.items()}))
    except Exception:
        stop(handle)
        raise
    return handle


def pid_file(settings: Settings) -> Path:
    """Where ``start`` records the process groups it started, for ``down`` (``make down``)."""
    return Path(settings.airflow_home) / "outcomes-local.pids.json"


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)  # the component was started as a session leader: its pgid is its pid
    except (ProcessLookupError, PermissionError):
        pass


SHUTDOWN_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextmanager
def shielded_from_signals() -> Iterator[None]:
    """While stopping, a further Ctrl-C, SIGTERM or SIGHUP cannot interrupt the shutdown: each is answered with
    a line on standard error. Handlers are restored afterwards (only the main thread can set them)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def already_stopping(signum: int, frame: object) -> None:
        print(f"already stopping ({signal.Signals(signum).name} ignored): wait a few seconds", file=sys.stderr)

    previous = {sig: signal.signal(sig, already_stopping) for sig in SHUTDOWN_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _group_alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


SERVER = "api-server"


def _wait_groups_gone(pids: list[int], deadline: float, children: list[subprocess.Popen] | None) -> None:
    """Poll until no group in ``pids`` is left or ``deadline`` passes. ``children``, when this process started
    them, are reaped while waiting (a zombie leader still counts as a live group)."""
    while time.monotonic() < deadline and any(_group_alive(p) for p in pids):
        for child in children or []:
            child.poll()
        time.sleep(0.2)


def _end_groups(pids: dict[str, int], timeout: float, children: list[subprocess.Popen] | None = None) -> None:
    """Stop the process groups in two phases, SIGKILLing what is left of each phase at its deadline (children can
    outlive their leader), then wait for the killed to be gone.

    First everything but the api-server (scheduler first: it stops its task processes), for up to ``timeout``
    seconds: running tasks report their end through the api-server's Execution API, so it must still be there,
    or each task retries its calls with back-off and the scheduler's stop outlasts any budget. Then the
    api-server, for up to ``timeout`` seconds more (it stops in about a second)."""
    clients = [n for n in reversed(COMPONENTS) if n in pids and n != SERVER] + [
        n for n in pids if n not in COMPONENTS]
    for phase in (clients, [SERVER] if SERVER in pids else []):
        for name in phase:
            _signal_group(pids[name], signal.SIGTERM)
        _wait_groups_gone([pids[n] for n in phase], time.monotonic() + timeout, children)
        for name in phase:
            _signal_group(pids[name], signal.SIGKILL)
        _wait_groups_gone([pids[n] for n in phase], time.monotonic() + 10, children)


def _wait_ports_free(port: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(_port_free(p) for p in (port, port + 1, port + 2)):
            return True
        time.sleep(0.2)
    return False


def stop(handle: Handle, timeout: float = 30) -> None:
    """Stop every component's process group: SIGTERM, wait, then SIGKILL what is left; reap them and wait
    until the ports are free. Idempotent, and a second signal during it does not interrupt it."""
    with shielded_from_signals():
        _end_groups({n: p.pid for n, p in handle.processes.items()}, timeout, list(handle.processes.values()))
        for proc in handle.processes.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        _wait_ports_free(handle.port)
        if handle.pid_file and handle.pid_file.exists():
            handle.pid_file.unlink()


def down(settings: Settings | None = None, timeout: float = 30) -> list[int]:
    """Stop an instance recorded in the pid file: one ``make up`` is running or left behind, or a demo was
    interrupted. Returns the process groups it found running (none when nothing was)."""
    settings = settings or get_settings()
    path = pid_file(settings)
    if not path.exists():
        return []
    pids = {name: int(pid) for name, pid in json.loads(path.read_text()).items()}
    running = {n: p for n, p in pids.items() if _group_alive(p) and _is_airflow(p)}
    with shielded_from_signals():
        _end_groups(running, timeout)
        _wait_ports_free(api_port())
    path.unlink(missing_ok=True)
    return sorted(running.values())


def _is_airflow(pid: int) -> bool:
    """The process group leader is still one of ours (an Airflow component), not a reused pid."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return True  # no /proc: trust the pid file
    return "airflow" in cmdline
