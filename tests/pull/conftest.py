"""Fixtures for the pull tests: real servers on loopback, started by the tests (one per test module)."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator

import pytest

from outcomes.mesh_sandbox import RECEIVER, Sandbox


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> Iterator[Sandbox]:
    """NHS England's MESH sandbox, from its own virtual environment, messages kept on disk."""
    box = Sandbox(port=free_port(), store=tmp_path_factory.mktemp("mesh") / "store").start()
    yield box
    box.stop()


@pytest.fixture
def mesh(sandbox, settings, monkeypatch) -> Sandbox:
    """GIVEN an empty ICB mailbox, and the Airflow connection the RWP contracts name pointing at the sandbox."""
    if not sandbox.healthy():  # a test stopped it
        sandbox.start()
    request = urllib.request.Request(f"{sandbox.url}/admin/reset/{RECEIVER}", method="DELETE")
    urllib.request.urlopen(request, timeout=5).close()  # noqa: S310 (loopback)
    monkeypatch.setenv("AIRFLOW_CONN_MESH_RWP", sandbox.connection_json())
    monkeypatch.setenv("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", "1")
    return sandbox
