"""The publication store: immutable versions under ``publications/<table>/`` and the LATEST pointer.

Layout (under the working folder, never inside the repository)::

    publications/<table>/
      _incoming/<uuid>/      candidates being written and audited (never read by partners)
      _audit/<stamp>_<pass|fail>.json   every gate run's validation report
      _rejected/<stamp>/     candidates the gate refused, kept for inspection (the newest 20)
      .lock                  fcntl lock held while numbering and promoting
      v0001/ v0002/ ...      one immutable folder per version (csv, parquet, validation.json, manifest.json)
      LATEST                 the live version's folder name, replaced atomically

A version folder appears in one ``os.rename`` of a complete folder, and LATEST changes in one ``os.replace``,
so a reader sees either the old publication or the new one, never a half-written one.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_VERSION = re.compile(r"^v(\d{4,})$")
LATEST = "LATEST"
MANIFEST = "manifest.json"
STALE_CANDIDATE_SECONDS = 6 * 3600
KEEP_REJECTED = 20


@dataclass(frozen=True)
class LiveVersion:
    """The version partners currently receive."""

    table: str
    version: str  # e.g. "v0003"
    path: Path
    manifest: dict[str, Any]


def table_dir(publications: Path, table: str) -> Path:
    return publications / table


def new_incoming(publications: Path, table: str) -> Path:
    path = table_dir(publications, table) / "_incoming" / uuid.uuid4().hex
    path.mkdir(parents=True)
    return path


def sweep_incoming(publications: Path, table: str, max_age: float = STALE_CANDIDATE_SECONDS) -> list[Path]:
    """Remove candidates older than ``max_age`` seconds: left by a publish that was killed (never read; a live
    candidate is written, audited and promoted within minutes)."""
    folder = table_dir(publications, table) / "_incoming"
    cutoff = time.time() - max_age
    stale = [p for p in folder.iterdir() if p.stat().st_mtime < cutoff] if folder.is_dir() else []
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale


def audit_dir(publications: Path, table: str) -> Path:
    path = table_dir(publications, table) / "_audit"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def table_lock(publications: Path, table: str) -> Iterator[None]:
    """Exclusive per-table lock across processes (and threads: each call opens its own descriptor)."""
    folder = table_dir(publications, table)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def versions(publications: Path, table: str) -> list[str]:
    folder = table_dir(publications, table)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p.name) for p in folder.iterdir() if (m := _VERSION.match(p.name)) and p.is_dir()]
    return [name for _, name in sorted(found)]


def next_version(publications: Path, table: str) -> str:
    existing = versions(publications, table)
    number = _number(existing[-1]) + 1 if existing else 1
    return f"v{number:04d}"


def live(publications: Path, table: str) -> LiveVersion | None:
    pointer = table_dir(publications, table) / LATEST
    if not pointer.is_file():
        return None
    version = pointer.read_text(encoding="utf-8").strip()
    path = table_dir(publications, table) / version
    manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    return LiveVersion(table=table, version=version, path=path, manifest=manifest)


def write_json(path: Path, data: Any) -> None:
    """Write JSON, flushed to disk, under a temporary name renamed into place: a process killed while writing
    leaves no half-written file (a temporary one at most)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=False, default=str)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def promote(incoming: Path, publications: Path, table: str, version: str) -> Path:
    """Rename a complete candidate folder to ``version`` and point LATEST at it. Call under ``table_lock``."""
    target = table_dir(publications, table) / version
    os.rename(incoming, target)  # atomic on one filesystem; fails if the version already exists
    point_latest(publications, table, version)
    return target


def point_latest(publications: Path, table: str, version: str) -> None:
    """Make ``version`` the live one (one ``os.replace`` of LATEST). Call under ``table_lock``."""
    folder = table_dir(publications, table)
    pointer_tmp = folder / f".{LATEST}.{uuid.uuid4().hex}.tmp"
    with open(pointer_tmp, "w", encoding="utf-8") as handle:
        handle.write(version + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(pointer_tmp, folder / LATEST)
    _fsync_dir(folder)


def unpointed(publications: Path, table: str) -> LiveVersion | None:
    """The newest version folder when LATEST does not point at it or a later one: a run promoted it and was
    killed before repointing LATEST. (Complete by construction: a version folder appears in one rename.)"""
    names = versions(publications, table)
    if not names:
        return None
    pointer = table_dir(publications, table) / LATEST
    live_name = pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else None
    if live_name and _number(live_name) >= _number(names[-1]):
        return None
    path = table_dir(publications, table) / names[-1]
    manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    return LiveVersion(table=table, version=names[-1], path=path, manifest=manifest)


def _number(version: str) -> int:
    return int(_VERSION.match(version).group(1))


def reject(incoming: Path, publications: Path, table: str) -> Path:
    """Keep a candidate the gate refused for inspection: ``_rejected/<UTC stamp>/`` (never promoted, never read by
    partners; the newest 20 are kept)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"_{uuid.uuid4().hex[:6]}"
    folder = table_dir(publications, table) / "_rejected"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / stamp
    os.rename(incoming, target)
    for old in sorted(folder.iterdir())[:-KEEP_REJECTED]:
        shutil.rmtree(old, ignore_errors=True)
    return target


def discard(incoming: Path) -> None:
    shutil.rmtree(incoming, ignore_errors=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
