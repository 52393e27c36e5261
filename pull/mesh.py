"""Pulling a feed's files from a MESH mailbox (NHS England's Message Exchange), with NHS England's ``mesh-client``.

The feed's contract names our ``mailbox``, the ``workflow_id`` the sender uses and (through its file pattern) the
file names it takes; messages of other workflows or names are left for their own feeds. The Airflow connection
holds the rest: ``host`` (the MESH endpoint URL), ``password`` (the mailbox password), and in ``extra``:
``shared_key`` (the environment's shared secret), ``client_cert`` / ``client_key`` (the mailbox certificate, paths)
and ``ca_cert`` (the CA bundle, a path; default: the bundle mesh-client ships for NHS England's endpoints).

Exactly once: each message is streamed to a temporary name, flushed to disk and renamed into landing, and only then
acknowledged. A process killed in between leaves the message in the mailbox: the next pull downloads it again, and
ingest recognises the same bytes and records a duplicate, so it is neither lost nor loaded twice.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import requests

from config.contracts import Contract, MeshSource
from pull.connections import extra, get_connection
from pull.errors import SourceMisconfigured, SourceUnavailable
from pull.landing import Landed, land_stream, safe_name

CHUNK_BYTES = 1024 * 1024
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class MeshMessage:
    message_id: str
    filename: str


def _source(contract: Contract) -> MeshSource:
    assert isinstance(contract.source, MeshSource), contract.feed_id
    return contract.source


@contextmanager
def mailbox(contract: Contract) -> Iterator[Any]:
    """A ``MeshClient`` for the contract's mailbox, from its Airflow connection, with errors made clear."""
    from mesh_client import MeshClient

    source = _source(contract)
    conn = get_connection(source.connection, contract.feed_id)
    options = extra(conn)
    if conn.login and conn.login != source.mailbox:
        raise SourceMisconfigured(f"feed {contract.feed_id}: Airflow connection {source.connection!r} is for MESH "
                                  f"mailbox {conn.login!r}, the contract reads mailbox {source.mailbox!r}")
    if not conn.host or not options.get("shared_key"):
        raise SourceMisconfigured(f"feed {contract.feed_id}: Airflow connection {source.connection!r} needs host "
                                  "(the MESH endpoint URL) and extra.shared_key")
    url = conn.host if "://" in conn.host else f"https://{conn.host}" + (f":{conn.port}" if conn.port else "")
    cert = (options["client_cert"], options["client_key"]) if options.get("client_cert") else None
    with _translated(contract, source.connection), MeshClient(
            url, source.mailbox, conn.password or "", shared_key=str(options["shared_key"]).encode(), cert=cert,
            verify=options.get("ca_cert"), max_retries=0, timeout=TIMEOUT_SECONDS,
            application_name="ics-outcomes") as client:
        yield client


@contextmanager
def _translated(contract: Contract, conn_id: str) -> Iterator[None]:
    """MESH's and the network's errors as SourceMisconfigured (never retried) or SourceUnavailable (retried)."""
    where = f"feed {contract.feed_id}: MESH mailbox {_source(contract).mailbox} (Airflow connection {conn_id!r})"
    try:
        yield
    except requests.HTTPError as exc:
        code = exc.response.status_code if exc.response is not None else 0
        if code in (401, 403):
            raise SourceMisconfigured(f"{where}: MESH refused the credentials (HTTP {code}): check the mailbox "
                                      "password, shared key and certificate in the connection") from None
        if code >= 500 or code in (408, 425, 429):
            raise SourceUnavailable(f"{where}: MESH answered HTTP {code}, retrying later") from exc
        raise SourceMisconfigured(f"{where}: MESH answered HTTP {code}: {exc}") from None
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise SourceUnavailable(f"{where}: cannot reach MESH ({type(exc).__name__}), retrying later") from exc


def waiting(contract: Contract) -> list[MeshMessage]:
    """The messages in the mailbox for this feed (its workflow, a file name its pattern matches), oldest first."""
    with mailbox(contract) as client, _translated(contract, _source(contract).connection):
        return _listed(client, contract)


def _listed(client: Any, contract: Contract) -> list[MeshMessage]:
    source = _source(contract)
    found = []
    for message_id in client.list_messages(workflow_filter=source.workflow_id):
        message = client.retrieve_message(message_id)  # streamed: the headers only, the body is not read
        try:
            if message.workflow_id == source.workflow_id and fnmatch.fnmatchcase(message.filename or "",
                                                                                 contract.file.pattern):
                found.append(MeshMessage(message_id, message.filename))
        finally:
            message.close()
    return found


def pull(contract: Contract, landing: Path, zone_root: Path) -> list[Landed]:
    """Download every waiting message of the feed into ``landing``; acknowledge each only once it is there."""
    source = _source(contract)
    landed = []
    with mailbox(contract) as client, _translated(contract, source.connection):
        for item in _listed(client, contract):
            name = safe_name(item.filename, contract.feed_id)
            message = client.retrieve_message(item.message_id)
            try:
                done = land_stream(iter(partial(message.read, CHUNK_BYTES), b""), landing, name, zone_root)
            finally:
                message.close()
            client.acknowledge_message(item.message_id)  # only now: the file is durably in landing
            landed.append(done)
    return landed


def check(contract: Contract) -> str:
    """Reach the mailbox with the connection's credentials (a handshake); the number of messages waiting."""
    with mailbox(contract) as client, _translated(contract, _source(contract).connection):
        client.handshake()
        return f"{len(_listed(client, contract))} message(s) waiting"
