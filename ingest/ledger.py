"""The load ledger: one immutable JSON document per delivered file under ``lake/ledger/``.

A ledger row is written last, atomically (temporary name, then rename): it is the commit point of an ingest.
A raw batch without a ledger row is invisible downstream. Supersession is derived, never edited in place: a
loaded batch is superseded for a period when a later loaded batch of the same feed covers that period.
"""

from __future__ import annotations

import copy
import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from outcomes.settings import Settings

STATUSES = ("loaded", "rejected", "duplicate")

# Parsed ledger rows by folder and file name. A row is written once (atomic rename, unique batch id) and never
# edited, so a process parses each file once and later lookups only list the folder.
_PARSED: dict[str, dict[str, dict]] = {}
_PARSED_LOCK = threading.Lock()


@contextmanager
def ledger_lock(settings: Settings) -> Iterator[None]:
    """Serialise the duplicate check and the commit across processes (short critical sections only)."""
    settings.ledger_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.ledger_dir / ".lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def write_entry(settings: Settings, entry: dict) -> Path:
    if entry.get("status") not in STATUSES:
        raise ValueError(f"ledger status must be one of {STATUSES}, found {entry.get('status')!r}")
    settings.ledger_dir.mkdir(parents=True, exist_ok=True)
    target = settings.ledger_dir / f"{entry['batch_id']}.json"
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(entry, indent=2, sort_keys=True, default=str), encoding="utf-8")
    os.replace(tmp, target)
    return target


def _shared_entries(settings: Settings) -> list[dict]:
    """The ledger rows as written (no derived fields), oldest first. Shared objects: read, never change."""
    folder = settings.ledger_dir
    if not folder.exists():
        return []
    with os.scandir(folder) as listing:
        files = sorted((e.name, e.path) for e in listing if e.name.endswith(".json"))
    with _PARSED_LOCK:
        known = _PARSED.setdefault(str(folder), {})
        for name, path in files:
            if name not in known:
                known[name] = json.loads(Path(path).read_text(encoding="utf-8"))
        current = {name for name, _ in files}
        for gone in set(known) - current:
            del known[gone]
        return [known[name] for name, _ in files]


def _stored_entries(settings: Settings) -> list[dict]:
    """The ledger rows as written, oldest first, as the caller's own copies."""
    return copy.deepcopy(_shared_entries(settings))


def read_entries(settings: Settings) -> list[dict]:
    """Every ledger row, with the derived ``superseded_by`` / ``superseded_fully``."""
    return with_supersession(_stored_entries(settings))


def with_supersession(entries: list[dict]) -> list[dict]:
    """Add ``superseded_by`` (latest later loaded batch of the same feed sharing a period) to loaded rows."""
    loaded = sorted((e for e in entries if e["status"] == "loaded"), key=lambda e: e["batch_id"])
    for i, entry in enumerate(loaded):
        later = [o for o in loaded[i + 1:]
                 if o["feed_id"] == entry["feed_id"] and set(o.get("periods", [])) & set(entry.get("periods", []))]
        covered = set().union(*(set(o["periods"]) for o in later)) if later else set()
        entry["superseded_by"] = later[-1]["batch_id"] if later else None
        entry["superseded_fully"] = bool(later) and set(entry.get("periods", [])) <= covered
    for entry in entries:
        entry.setdefault("superseded_by", None)
        entry.setdefault("superseded_fully", False)
    return entries


def batch_ids(settings: Settings) -> set[str]:
    """The batch id of every ledger row, whatever its status."""
    return {entry["batch_id"] for entry in _shared_entries(settings)}


def find_loaded(settings: Settings, sha256: str, feed_id: str) -> dict | None:
    for entry in _shared_entries(settings):
        if entry["status"] == "loaded" and entry["sha256"] == sha256 and entry["feed_id"] == feed_id:
            return copy.deepcopy(entry)
    return None


def latest_loaded(settings: Settings, feed_id: str) -> dict | None:
    """The loaded batch of ``feed_id`` for the latest period (a resubmission of that period wins by load time),
    so a list delivered late for an earlier period never replaces a newer one."""
    loaded = [e for e in _shared_entries(settings) if e["status"] == "loaded" and e["feed_id"] == feed_id]
    if not loaded:
        return None
    return copy.deepcopy(max(loaded, key=lambda e: (e.get("period_end") or "", e["batch_id"])))
