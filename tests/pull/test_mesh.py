"""Pulling from MESH: NHS England's MESH sandbox on loopback, messages sent by ``mesh-client`` as the trust would.

Exactly once: a message is acknowledged only once its file is durably in landing; killed in between, the next pull
downloads it again and ingest skips the same bytes as a duplicate.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import names
from config.contracts import contract_for_feed
from ingest.claim import READY_MARKER
from pull.errors import SourceMisconfigured, SourceUnavailable
from pull.sources import pull_into_landing, waiting
from tests.ingest.ecds_rows import row, write_ecds
from tests.pull.conftest import ingest_waiting

FEED = "rwp_ecds"
WORKFLOW = "ICS_OUTCOMES_EXTRACT"


def ecds_file(folder: Path, name: str = "RWP_ECDS_2025-04.csv", rows: int = 3) -> Path:
    return write_ecds(folder / name, [row(i) for i in range(rows)])


def landing(settings) -> Path:
    return names.landing_folder(settings, contract_for_feed(settings.contracts_dir, FEED))


def pull(settings):
    return pull_into_landing(contract_for_feed(settings.contracts_dir, FEED), settings)



def test_a_sent_file_lands_with_its_marker_and_is_acknowledged(mesh, settings, tmp_path):
    """GIVEN RWP sent its ECDS file and an APC file to the ICB's mailbox under the workflow
    WHEN the ECDS feed is pulled
    THEN the ECDS file is in landing byte for byte with _READY, its message is acknowledged, the APC message is
    left for its own feed, and a second pull finds nothing"""
    ecds = ecds_file(tmp_path)
    apc = tmp_path / "RWP_APC_2025-04.csv"
    apc.write_text("spell_id\n1\n")
    mesh.send([ecds, apc], WORKFLOW)
    assert waiting(contract_for_feed(settings.contracts_dir, FEED), settings) == [ecds.name]

    landed = pull(settings)

    assert [p.path.name for p in landed] == [ecds.name]
    assert (landing(settings) / ecds.name).read_bytes() == ecds.read_bytes()
    assert (landing(settings) / READY_MARKER).is_file()
    assert len(mesh.inbox()) == 1  # the APC message, untouched
    assert pull(settings) == []


def test_the_same_file_sent_twice_is_ingested_once(mesh, settings, tmp_path):
    """GIVEN the trust sends the same file twice (a resend), pulled and ingested each time
    WHEN both are ingested
    THEN the first loads and the second is skipped as a duplicate"""
    ecds = ecds_file(tmp_path)
    outcomes = []
    for _ in range(2):
        mesh.send([ecds], WORKFLOW)
        assert len(pull(settings)) == 1
        outcomes += ingest_waiting(FEED)
    assert outcomes == ["loaded", "duplicate"]


def test_a_server_down_is_transient_and_the_file_comes_when_it_is_back(mesh, settings, tmp_path):
    """GIVEN a message waiting and the MESH server down
    WHEN the feed is pulled, then pulled again once the server is back
    THEN the first tries raise SourceUnavailable (retried by Airflow, naming the feed), nothing reaches landing,
    and the retry lands the file"""
    ecds = ecds_file(tmp_path)
    mesh.send([ecds], WORKFLOW)
    mesh.stop()
    try:
        for _ in range(2):
            with pytest.raises(SourceUnavailable, match="feed rwp_ecds: MESH mailbox X26ABC2.*cannot reach MESH"):
                pull(settings)
        assert not landing(settings).exists() or not any(landing(settings).iterdir())
    finally:
        mesh.start()
    assert [p.path.name for p in pull(settings)] == [ecds.name]


KILLED_BEFORE_ACK = """
import os, signal, sys
import mesh_client
from config.contracts import contract_for_feed
from config.settings import get_settings
from pull.sources import pull_into_landing

# the process dies for real (SIGKILL: no cleanup) at the moment it would acknowledge
mesh_client.MeshClient.acknowledge_message = lambda self, message_id: os.kill(os.getpid(), signal.SIGKILL)
settings = get_settings()
pull_into_landing(contract_for_feed(settings.contracts_dir, sys.argv[1]), settings)
"""


def test_killed_between_download_and_ack_neither_loses_nor_duplicates(mesh, settings, tmp_path):
    """GIVEN a pull killed (SIGKILL) after the file landed and before the acknowledgement
    WHEN the landed file is ingested and the feed is pulled again and ingested again
    THEN the message was still in the mailbox, is downloaded again and acknowledged, and ingest loads the bytes
    once (the second copy is a duplicate)"""
    ecds = ecds_file(tmp_path)
    mesh.send([ecds], WORKFLOW)
    killed = subprocess.run([sys.executable, "-c", KILLED_BEFORE_ACK, FEED], env=dict(os.environ),
                            capture_output=True, timeout=120)
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    assert (landing(settings) / ecds.name).read_bytes() == ecds.read_bytes()
    assert len(mesh.inbox()) == 1  # not acknowledged
    assert ingest_waiting(FEED) == ["loaded"]

    assert [p.path.name for p in pull(settings)] == [ecds.name]
    assert mesh.inbox() == []
    assert ingest_waiting(FEED) == ["duplicate"]


def test_wrong_credentials_and_a_missing_connection_fail_clearly(mesh, settings, monkeypatch, tmp_path):
    """GIVEN the connection holds a wrong mailbox password, then no connection is defined at all
    WHEN the feed is pulled
    THEN SourceMisconfigured (never retried) names the feed and the connection id, and the message stays"""
    mesh.send([ecds_file(tmp_path)], WORKFLOW)
    monkeypatch.setenv("AIRFLOW_CONN_MESH_RWP", mesh.connection_json(password="not-the-password"))
    with pytest.raises(SourceMisconfigured, match=r"feed rwp_ecds: .*connection 'mesh_rwp'.*refused the credentials"):
        pull(settings)
    monkeypatch.delenv("AIRFLOW_CONN_MESH_RWP")
    with pytest.raises(SourceMisconfigured, match=r"feed rwp_ecds: Airflow connection 'mesh_rwp' is not defined"):
        pull(settings)
    assert len(mesh.inbox()) == 1


def test_sources_check_prints_reachable_or_the_reason(mesh, settings, monkeypatch, tmp_path):
    """GIVEN the RWP feeds on MESH with a working connection, then with a wrong password
    WHEN `outcomes sources check` runs
    THEN each RWP feed is reachable with its waiting count (exit 0); then unreachable with the reason (exit 1)"""
    from rich.console import Console
    from typer.testing import CliRunner

    from outcomes import cli_contracts
    from outcomes.cli import app

    monkeypatch.setattr(cli_contracts, "out", Console(width=400, soft_wrap=True))  # one table row per line
    mesh.send([ecds_file(tmp_path)], WORKFLOW)
    ok = CliRunner().invoke(app, ["sources", "check"])
    assert ok.exit_code == 0, ok.output
    rows = [line for line in ok.output.splitlines() if "rwp_" in line]
    assert len(rows) == 4 and all("reachable" in r and "mesh_rwp" in r for r in rows), ok.output
    assert "1 message(s) waiting" in next(r for r in rows if "rwp_ecds" in r)

    monkeypatch.setenv("AIRFLOW_CONN_MESH_RWP", mesh.connection_json(password="wrong"))
    bad = CliRunner().invoke(app, ["sources", "check"])
    assert bad.exit_code == 1
    assert "unreachable" in bad.output and "refused the credentials" in bad.output


def test_the_demo_sends_mesh_feeds_through_mesh_and_says_so(mesh, settings, tmp_path):
    """GIVEN RWP's ECDS contract (source mesh) and RLQ's (folder)
    WHEN the demo delivers one file for each
    THEN RWP's file is a message in the ICB's mailbox (not in landing), RLQ's is in its landing folder, and the
    summary names each route with its feeds"""
    from outcomes.demo_routes import deliver_files, routes_summary

    rlq = write_ecds(tmp_path / "WVT_ECDS_2025-04.csv", [row(1)])
    routes = {
        FEED: deliver_files(settings, contract_for_feed(settings.contracts_dir, FEED), [ecds_file(tmp_path)], mesh),
        "rlq_ecds": deliver_files(settings, contract_for_feed(settings.contracts_dir, "rlq_ecds"), [rlq], mesh),
    }
    assert len(mesh.inbox()) == 1 and not landing(settings).exists()
    assert (names.landing_folder(settings, contract_for_feed(settings.contracts_dir, "rlq_ecds")) / rlq.name).is_file()
    assert routes_summary(routes).splitlines() == [
        "  MESH (sent to mailbox X26ABC2, workflow ICS_OUTCOMES_EXTRACT; pulled by pull__<feed>): rwp_ecds",
        "  folder (dropped into landing): rlq_ecds"]
