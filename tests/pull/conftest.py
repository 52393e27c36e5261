"""Fixtures for the pull tests: real servers on loopback, started by the tests (one per test module)."""

from __future__ import annotations

import re
import socket
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from config.settings import get_settings
from outcomes.mesh_sandbox import RECEIVER, Sandbox

SOURCE_BLOCK = re.compile(r"(?ms)^source:.*?(?=^primary_key:)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ingest_waiting(feed_id: str) -> list[str]:
    """Claim and ingest what is in the feed's landing folder, as its ingest DAG does: 'loaded' or 'duplicate'."""
    from outcomes.feed_ingest import AlreadyLoaded, files_for_run, ingest_one

    outcomes = []
    for path in files_for_run(feed_id):
        try:
            ingest_one(path, feed_id)
            outcomes.append("loaded")
        except AlreadyLoaded:
            outcomes.append("duplicate")
    return outcomes


def contracts_copy(folder: Path, edit: Callable[[str, str], str]) -> Path:
    """The project's contracts copied into ``folder``, each text passed through ``edit(feed file stem, text)``."""
    repo = get_settings().contracts_dir
    folder.mkdir()
    for path in repo.glob("*.yaml"):
        (folder / path.name).write_text(edit(path.stem, path.read_text()))
    (folder / "reference").symlink_to(repo / "reference")
    return folder


def with_source(stem: str, block: str) -> Callable[[str, str], str]:
    """An ``edit`` for contracts_copy: the contract ``stem`` gets the ``source:`` block, every other its own."""
    def edit(name: str, text: str) -> str:
        if name != stem:
            return text
        return SOURCE_BLOCK.sub("", text).replace("\nprimary_key:", "\n" + block + "primary_key:", 1)
    return edit


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
