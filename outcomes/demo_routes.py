"""How the demo delivers each feed: by the route its contract declares. Feeds whose source is ``mesh`` are sent
by the trust's MESH client to a local MESH sandbox (started and stopped by the demo) and pulled from it by their
pull DAGs; the other feeds are dropped into their landing folders as partners do (file, then ``_READY``)."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

from config import names
from config.contracts import Contract, MeshSource
from config.settings import Settings
from outcomes.feed_pull import POKE_ENV
from outcomes.mesh_sandbox import Sandbox

DEMO_POKE_SECONDS = "3"  # the pull DAGs' sensors look at the mailbox every 3 s in the demo (5 min by default)


def mesh_contracts(contracts: list[Contract]) -> list[Contract]:
    return [c for c in contracts if isinstance(c.source, MeshSource)]


def start_mesh(settings: Settings, contracts: list[Contract], say: Callable[[str], None]) -> Sandbox | None:
    """Start a MESH sandbox when any feed comes by MESH, and point those feeds' Airflow connections at it (in this
    process's environment, which Airflow inherits: the sandbox's published test credentials, nothing stored)."""
    mesh = mesh_contracts(contracts)
    if not mesh:
        return None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    say(f"starting a local MESH sandbox (NHS England's mesh-sandbox) on port {port} for "
        f"{', '.join(c.feed_id for c in mesh)}")
    sandbox = Sandbox(port=port, store=settings.work_dir / "mesh-sandbox" / "store").start()
    for contract in mesh:
        os.environ[f"AIRFLOW_CONN_{contract.source.connection.upper()}"] = sandbox.connection_json(
            mailbox=contract.source.mailbox)
    os.environ.setdefault(POKE_ENV, DEMO_POKE_SECONDS)
    return sandbox


def deliver_files(settings: Settings, contract: Contract, files: list[Path], sandbox: Sandbox | None) -> str:
    """Deliver one feed's files by its route; returns the route's label for the summary."""
    from outcomes.airflow_local import drop_files

    if isinstance(contract.source, MeshSource) and sandbox is not None:
        sandbox.send(files, contract.source.workflow_id, recipient=contract.source.mailbox)
        return (f"MESH (sent to mailbox {contract.source.mailbox}, workflow {contract.source.workflow_id}; "
                f"pulled by {names.pull_dag_id('<feed>')})")
    drop_files(files, names.landing_folder(settings, contract), zone_root=settings.identifiable_dir)
    return "folder (dropped into landing)"


def routes_summary(routes: dict[str, str]) -> str:
    """One line per route with the feeds that came by it."""
    by_route: dict[str, list[str]] = {}
    for feed_id, route in sorted(routes.items()):
        by_route.setdefault(route, []).append(feed_id)
    return "\n".join(f"  {route}: {', '.join(feeds)}" for route, feeds in sorted(by_route.items()))
