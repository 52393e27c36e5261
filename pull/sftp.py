"""Pulling a feed's files from an SFTP server (councils', voluntary partners'), with Airflow's SFTP provider.

The Airflow connection (type ``sftp``) holds ``host``, ``port``, ``login`` and, in ``extra``, ``private_key`` (or
``key_file``) and ``host_key`` (the server's public key, pinned); the contract names the remote folder, the file
pattern and what to do with a file once fetched: ``move`` it to the processed folder, or ``leave`` it (then it is
remembered by name, size and time in the identifiable zone and fetched once).

Exactly once: a file is fetched only when its size and time are the same on two looks ``stable_seconds`` apart
(the partner has finished writing it), downloaded to a temporary name, checked to be the size the server stated,
renamed into landing, and only then moved away remotely. Killed before the move, the next pull fetches it again and
ingest skips the same bytes as a duplicate.
"""

from __future__ import annotations

import fnmatch
import json
import os
import posixpath
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from config.contracts import Contract, SftpSource
from ingest.zone import private_dir, write_private_text
from pull.connections import get_connection
from pull.errors import SourceMisconfigured, SourceUnavailable
from pull.landing import IncompleteDownload, Landed, land_stream, safe_name

CHUNK_BYTES = 1024 * 1024
STABLE_ENV = "OUTCOMES_PULL_STABLE_SECONDS"
DEFAULT_STABLE_SECONDS = 5.0


@dataclass(frozen=True)
class RemoteFile:
    filename: str
    size: int
    mtime: int


def _source(contract: Contract) -> SftpSource:
    assert isinstance(contract.source, SftpSource), contract.feed_id
    return contract.source


def stable_seconds() -> float:
    return float(os.environ.get(STABLE_ENV) or DEFAULT_STABLE_SECONDS)


@contextmanager
def _translated(contract: Contract) -> Iterator[None]:
    """paramiko's and the network's errors as SourceMisconfigured (never retried) or SourceUnavailable."""
    import paramiko

    source = _source(contract)
    where = f"feed {contract.feed_id}: SFTP {source.remote_folder} (Airflow connection {source.connection!r})"
    try:
        yield
    except paramiko.AuthenticationException as exc:
        raise SourceMisconfigured(f"{where}: the server refused the login or key: {exc}") from None
    except paramiko.BadHostKeyException as exc:
        raise SourceMisconfigured(f"{where}: the server's host key is not the one pinned in the connection "
                                  f"(extra.host_key): {exc}") from None
    except FileNotFoundError as exc:
        raise SourceMisconfigured(f"{where}: no such remote folder or file: {exc}") from None
    except PermissionError as exc:
        raise SourceMisconfigured(f"{where}: permission denied: {exc}") from None
    except (TimeoutError, paramiko.SSHException, EOFError, OSError) as exc:  # down, refused, reset, timed out
        raise SourceUnavailable(f"{where}: cannot reach the server ({type(exc).__name__}: {exc}), retrying later"
                                ) from exc


@contextmanager
def server(contract: Contract) -> Iterator[Any]:
    """A paramiko SFTP client on the contract's connection (Airflow's SFTPHook), errors made clear."""
    from airflow.providers.sftp.hooks.sftp import SFTPHook

    source = _source(contract)
    get_connection(source.connection, contract.feed_id)  # a missing connection named clearly, before the hook
    with _translated(contract):
        hook = SFTPHook(ssh_conn_id=source.connection, conn_retry_attempts=1)  # Airflow retries the task, with backoff
        client = hook.get_conn()
        try:
            yield client
        finally:
            hook.close_conn()


def _listed(client: Any, contract: Contract) -> dict[str, RemoteFile]:
    source = _source(contract)
    pattern = source.pattern or contract.file.pattern
    return {e.filename: RemoteFile(e.filename, e.st_size, e.st_mtime)
            for e in client.listdir_attr(source.remote_folder)
            if stat.S_ISREG(e.st_mode or 0) and fnmatch.fnmatchcase(e.filename, pattern)}


def _state_path(contract: Contract, zone_root: Path) -> Path:
    return zone_root / "pull_state" / f"{contract.feed_id}.json"


def _fetched(contract: Contract, zone_root: Path) -> dict[str, list[int]]:
    """Files left on the server (``after: leave``) already fetched: name -> [size, mtime]."""
    path = _state_path(contract, zone_root)
    return json.loads(path.read_text()) if path.is_file() else {}


def _new(files: dict[str, RemoteFile], contract: Contract, zone_root: Path) -> list[RemoteFile]:
    seen = _fetched(contract, zone_root) if _source(contract).after == "leave" else {}
    return [f for name, f in sorted(files.items()) if seen.get(name) != [f.size, f.mtime]]


def waiting(contract: Contract, zone_root: Path | None = None) -> list[RemoteFile]:
    """Files in the remote folder for this feed not yet fetched (sizes may still be changing)."""
    from config.settings import get_settings

    zone_root = zone_root or get_settings().identifiable_dir
    with server(contract) as client, _translated(contract):
        return _new(_listed(client, contract), contract, zone_root)


def pull(contract: Contract, landing: Path, zone_root: Path) -> list[Landed]:
    """Fetch every new file whose size is stable into ``landing``; then move it away remotely (or remember it)."""
    source = _source(contract)
    landed = []
    with server(contract) as client, _translated(contract):
        first = _new(_listed(client, contract), contract, zone_root)
        if not first:
            return []
        time.sleep(stable_seconds())
        now = _listed(client, contract)
        for item in first:
            if now.get(item.filename) != item:  # still being written (or gone): the next run takes it
                continue
            name = safe_name(item.filename, contract.feed_id)
            remote = posixpath.join(source.remote_folder, name)
            with client.open(remote, "rb") as handle:
                handle.prefetch(item.size)
                try:
                    done = land_stream(iter(partial(handle.read, CHUNK_BYTES), b""), landing, name, zone_root,
                                       expected_size=item.size)
                except IncompleteDownload as exc:
                    raise SourceUnavailable(f"feed {contract.feed_id}: {exc}; retrying later") from exc
            _after_landing(client, contract, item, zone_root)  # only now: the file is durably in landing
            landed.append(done)
    return landed


def _after_landing(client: Any, contract: Contract, item: RemoteFile, zone_root: Path) -> None:
    source = _source(contract)
    if source.after == "leave":
        seen = _fetched(contract, zone_root) | {item.filename: [item.size, item.mtime]}
        path = _state_path(contract, zone_root)
        private_dir(path.parent, zone_root)
        write_private_text(path, json.dumps(seen, indent=1, sort_keys=True))
        return
    processed = posixpath.join(source.remote_folder, source.processed_folder)
    try:
        client.stat(processed)
    except FileNotFoundError:
        client.mkdir(processed)
    client.posix_rename(posixpath.join(source.remote_folder, item.filename), posixpath.join(processed, item.filename))


def check(contract: Contract) -> str:
    """List the remote folder with the connection's credentials; the number of files waiting."""
    from config.settings import get_settings

    with server(contract) as client, _translated(contract):
        files = _new(_listed(client, contract), contract, get_settings().identifiable_dir)
    return f"{len(files)} file(s) waiting in {_source(contract).remote_folder}"
