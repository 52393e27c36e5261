"""Starting and stopping the embedded Airflow components as background process groups."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
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

