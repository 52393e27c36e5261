"""NHS England's MESH sandbox (``mesh-sandbox``) as a local MESH server, for ``make demo`` and the tests.

It pins fastapi exactly, which conflicts with the project's lock, so it runs from its own small virtual
environment (``requirements-mesh-sandbox.lock``; created on first use, under ``.work/mesh-sandbox-venv`` or
``OUTCOMES_MESH_SANDBOX_VENV``), as the separate server it stands in for, on loopback. Its mailboxes are the
sandbox's own test mailboxes: ``X26ABC1`` plays the trust sending, ``X26ABC2`` the ICB receiving. The password
and shared key below are the sandbox's published test values, not secrets.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from config.settings import PROJECT_ROOT

REQUIREMENTS = PROJECT_ROOT / "requirements-mesh-sandbox.lock"
VENV_ENV = "OUTCOMES_MESH_SANDBOX_VENV"
SENDER = "X26ABC1"  # the trust's mailbox in the sandbox
RECEIVER = "X26ABC2"  # the ICB's mailbox in the sandbox (contracts/rwp_*.yaml read it)
PASSWORD = "password"  # the sandbox's test mailboxes' password
SHARED_KEY = "TestKey"


def venv_dir() -> Path:
    return Path(os.environ.get(VENV_ENV) or PROJECT_ROOT / ".work" / "mesh-sandbox-venv")


def ensure_venv(say=lambda message: None) -> Path:
    """The sandbox's virtual environment, created from the pinned requirements if missing or stale (seconds with
    uv, about a minute with pip; once); safe when several processes ask at once. Returns its ``uvicorn``."""
    venv = venv_dir()
    venv.parent.mkdir(parents=True, exist_ok=True)
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    stamp = venv / ".installed"
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (stamp.is_file() and stamp.read_text() == wanted):
            say(f"creating the MESH sandbox's own virtual environment in {venv} (once)")
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            install(venv, say)
            stamp.write_text(wanted)
    return venv / "bin" / "uvicorn"


def install(venv: Path, say=lambda message: None, requirements: Path = REQUIREMENTS) -> None:
    """Install the pinned ``requirements`` into ``venv``: with uv when it is beside this interpreter (``make env``
    installs it; seconds), else, or when uv fails, with the environment's pip (about a minute). Either compiles
    the modules to bytecode as it installs (a process started with PYTHONDONTWRITEBYTECODE compiles anew what
    was not)."""
    uv = Path(sys.executable).with_name("uv")
    if uv.is_file():
        if subprocess.run([str(uv), "pip", "install", "--quiet", "--compile-bytecode", "--python",
                           str(venv / "bin" / "python"), "-r", str(requirements)], check=False).returncode == 0:
            return
        say("uv could not install the MESH sandbox's requirements; pip installs them")
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(requirements)], check=True, stderr=subprocess.DEVNULL)


@dataclass
class Sandbox:
    port: int
    store: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def connection_json(self, mailbox: str = RECEIVER, password: str = PASSWORD) -> str:
        """An Airflow connection (JSON form, for ``AIRFLOW_CONN_<ID>``) reading ``mailbox`` on this sandbox."""
        return json.dumps({"conn_type": "generic", "host": self.url, "login": mailbox, "password": password,
                           "extra": {"shared_key": SHARED_KEY}})

    def start(self, timeout: float = 60) -> Sandbox:
        """Start the server (messages kept in ``store``, so they survive a restart) and wait for ``/health``."""
        uvicorn = ensure_venv()
        self.store.mkdir(parents=True, exist_ok=True)
        env = {"PATH": os.environ.get("PATH", ""), "AUTH_MODE": "full", "STORE_MODE": "file",
               "MAILBOXES_DATA_DIR": str(self.store), "SHARED_KEY": SHARED_KEY}
        log = open(self.store.parent / f"mesh-sandbox-{self.port}.log", "ab")  # noqa: SIM115 (kept by the child)
        self.process = subprocess.Popen([str(uvicorn), "mesh_sandbox.api:app", "--host", "127.0.0.1",
                                         "--port", str(self.port), "--workers", "1"],
                                        env=env, stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the MESH sandbox did not start on port {self.port} (log in {self.store.parent})")
            time.sleep(0.3)
        return self

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:  # noqa: S310 (loopback)
                return response.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None

    def send(self, files: Iterable[Path], workflow_id: str, sender: str = SENDER, recipient: str = RECEIVER
             ) -> list[str]:
        """Send files as a trust's MESH client would (one message each, the file name in its header)."""
        from mesh_client import MeshClient

        with MeshClient(self.url, sender, PASSWORD, shared_key=SHARED_KEY.encode(), max_retries=0) as client:
            client.handshake()
            return [client.send_message(recipient, path.read_bytes(), workflow_id=workflow_id, filename=path.name)
                    for path in map(Path, files)]

    def inbox(self, mailbox: str = RECEIVER) -> list[str]:
        """Message ids still in ``mailbox`` (not acknowledged)."""
        from mesh_client import MeshClient

        with MeshClient(self.url, mailbox, PASSWORD, shared_key=SHARED_KEY.encode(), max_retries=0) as client:
            return client.list_messages()
