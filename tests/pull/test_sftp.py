"""Pulling from SFTP: a real SSH server on loopback (asyncssh, key authentication, host key pinned), reached through
Airflow's SFTP provider, with Worcestershire County Council's reablement feed declared ``source: sftp``.

Exactly once: size stable on two looks, download to a temporary name, size checked, rename into landing, and only
then the remote move; killed before the move, the next pull fetches the file again and ingest skips it.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import asyncssh
import pytest

from config import names
from config.contracts import contract_for_feed
from config.settings import get_settings
from ingest.claim import READY_MARKER
from pull.errors import SourceMisconfigured, SourceUnavailable
from pull.sources import pull_into_landing, waiting
from tests.ingest.reablement_rows import HEADER, as_text, episode
from tests.pull.conftest import contracts_copy, free_port, ingest_waiting, with_source
from tests.pull.sftp_server import SftpServer

FEED = "e10000034_reablement"
SOURCE = """source:
  kind: sftp
  connection: sftp_wcc
  remote_folder: /outbox
  after: {after}
"""


@pytest.fixture(scope="module")
def sftp_server(tmp_path_factory):
    server = SftpServer(tmp_path_factory.mktemp("sftp") / "root", free_port()).start()
    yield server
    server.close()


@pytest.fixture(params=["move"])
def sftp(request, sftp_server, settings, monkeypatch, tmp_path):
    """GIVEN an empty remote outbox, the contracts with the feed on SFTP, the connection sftp_wcc (key auth)."""
    shutil.rmtree(sftp_server.root, ignore_errors=True)
    (sftp_server.root / "outbox").mkdir(parents=True)
    if sftp_server._server is None:
        sftp_server.start()
    contracts = contracts_copy(tmp_path / "contracts", with_source(FEED, SOURCE.format(after=request.param)))
    monkeypatch.setenv("OUTCOMES_CONTRACTS_DIR", str(contracts))
    monkeypatch.setenv("AIRFLOW_CONN_SFTP_WCC", sftp_server.connection_json())
    monkeypatch.setenv("OUTCOMES_PULL_STABLE_SECONDS", "0.2")
    monkeypatch.setenv("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", "1")
    return sftp_server


def council_file(server: SftpServer, name: str = "WCC_REABLEMENT_202504.csv", rows: int = 3) -> Path:
    path = server.root / "outbox" / name
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, HEADER)
        writer.writeheader()
        writer.writerows(as_text(episode(i)) for i in range(rows))
    return path


def contract():
    return contract_for_feed(get_settings().contracts_dir, FEED)


def landing(settings) -> Path:
    return names.landing_folder(settings, contract())


def pull(settings):
    return pull_into_landing(contract(), settings)



def test_a_file_is_fetched_then_moved_to_processed(sftp, settings):
    """GIVEN the council's file in its outbox
    WHEN the feed is pulled
    THEN the file is in landing byte for byte with _READY, moved to outbox/processed on the server, and a second
    pull finds nothing"""
    sent = council_file(sftp)
    body = sent.read_bytes()
    assert waiting(contract(), settings) == [sent.name]

    assert [p.path.name for p in pull(settings)] == [sent.name]

    assert (landing(settings) / sent.name).read_bytes() == body
    assert (landing(settings) / READY_MARKER).is_file()
    assert not sent.exists() and (sent.parent / "processed" / sent.name).read_bytes() == body
    assert pull(settings) == []
    assert ingest_waiting(FEED) == ["loaded"]


@pytest.mark.parametrize("sftp", ["leave"], indirect=True)
def test_a_file_left_on_the_server_is_fetched_once_and_the_same_bytes_twice_ingested_once(sftp, settings):
    """GIVEN a contract saying after: leave, and the council putting the same file back under a new time
    WHEN the feed is pulled and ingested each time
    THEN the file stays on the server, the unchanged file is not fetched again, the re-put copy is fetched and
    ingest loads it once (the second copy is a duplicate)"""
    sent = council_file(sftp)
    assert len(pull(settings)) == 1 and sent.exists()
    assert pull(settings) == []
    outcomes = ingest_waiting(FEED)
    os.utime(sent, (sent.stat().st_atime, sent.stat().st_mtime + 60))  # put again: same bytes, new time
    assert len(pull(settings)) == 1
    assert outcomes + ingest_waiting(FEED) == ["loaded", "duplicate"]


def test_a_server_down_is_transient_and_the_file_comes_when_it_is_back(sftp, settings):
    """GIVEN a file waiting and the SSH server down
    WHEN the feed is pulled, then again once the server is back
    THEN the first try raises SourceUnavailable naming the feed and connection, nothing reaches landing, and the
    retry lands the file"""
    sent = council_file(sftp)
    sftp.stop()
    try:
        with pytest.raises(SourceUnavailable, match=r"feed e10000034_reablement: SFTP /outbox .*'sftp_wcc'.*reach"):
            pull(settings)
        assert not landing(settings).exists() or not any(landing(settings).iterdir())
    finally:
        sftp.start()
    assert [p.path.name for p in pull(settings)] == [sent.name]


KILLED_BEFORE_MOVE = """
import os, signal, sys
import paramiko
from config.contracts import contract_for_feed
from config.settings import get_settings
from pull.sources import pull_into_landing

# the process dies for real (SIGKILL: no cleanup) at the moment it would move the fetched file away
paramiko.SFTPClient.posix_rename = lambda self, old, new: os.kill(os.getpid(), signal.SIGKILL)
settings = get_settings()
pull_into_landing(contract_for_feed(settings.contracts_dir, sys.argv[1]), settings)
"""


def test_killed_between_download_and_move_neither_loses_nor_duplicates(sftp, settings):
    """GIVEN a pull killed (SIGKILL) after the file landed and before the remote move
    WHEN the landed file is ingested, and the feed pulled and ingested again
    THEN the file was still in the outbox, is fetched again and moved, and ingest loads it once"""
    sent = council_file(sftp)
    killed = subprocess.run([sys.executable, "-c", KILLED_BEFORE_MOVE, FEED], env=dict(os.environ),
                            capture_output=True, timeout=120)
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    assert sent.exists() and (landing(settings) / sent.name).read_bytes() == sent.read_bytes()
    assert ingest_waiting(FEED) == ["loaded"]

    assert len(pull(settings)) == 1 and not sent.exists()
    assert ingest_waiting(FEED) == ["duplicate"]


def test_a_wrong_key_and_a_missing_connection_fail_clearly(sftp, settings, monkeypatch):
    """GIVEN a connection holding a key the server does not know, then no connection at all
    WHEN the feed is pulled
    THEN SourceMisconfigured (never retried) names the feed and the connection id, and the file stays"""
    sent = council_file(sftp)
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    monkeypatch.setenv("AIRFLOW_CONN_SFTP_WCC", sftp.connection_json(key=stranger))
    with pytest.raises(SourceMisconfigured, match=r"feed e10000034_reablement: .*'sftp_wcc'.*refused the login"):
        pull(settings)
    monkeypatch.delenv("AIRFLOW_CONN_SFTP_WCC")
    with pytest.raises(SourceMisconfigured, match=r"feed e10000034_reablement: Airflow connection 'sftp_wcc' is not"):
        pull(settings)
    assert sent.exists()


def test_sources_check_reaches_the_sftp_folder(sftp, settings):
    """GIVEN one file in the outbox WHEN the sources are checked THEN the SFTP feed is reachable, one file waiting"""
    from pull.sources import check_all

    council_file(sftp)
    (result,) = [r for r in check_all([contract()]) if r.feed_id == FEED]
    assert (result.reachable, result.connection, result.detail) == (True, "sftp_wcc", "1 file(s) waiting in /outbox")
