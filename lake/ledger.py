"""The load ledger: one immutable JSON document per delivered file under ``lake/ledger/``.

A ledger row is written last, atomically (temporary name, then rename): it is the commit point of an ingest.
A raw batch without a ledger row is invisible downstream. Supersession is derived, never edited in place, by the
one rule of ``lake.current`` (what each delivery replaces, in delivery order), which the warehouse applies too.
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

from config.settings import Settings
from lake.current import current_deliveries, order_key, superseding

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


def _committed_files(folder: Path) -> list[tuple[str, str]]:
    """(name, path) of every committed row's file, by name (a batch id's order); not the temporary files."""
    if not folder.exists():
        return []
    with os.scandir(folder) as listing:
        return sorted((e.name, e.path) for e in listing if e.name.endswith(".json"))


def committed_batch_ids(settings: Settings) -> list[str]:
    """The batch id of every ledger row committed so far (file names only: nothing is parsed)."""
    return [name.removesuffix(".json") for name, _ in _committed_files(settings.ledger_dir)]


def _shared_entries(settings: Settings) -> list[dict]:
    """The ledger rows as written (no derived fields), oldest first. Shared objects: read, never change."""
    folder = settings.ledger_dir
    if not folder.exists():
        return []
    files = _committed_files(folder)
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
    """Every ledger row, with the derived ``current`` / ``superseded_by``."""
    return with_supersession(_stored_entries(settings))


def with_supersession(entries: list[dict]) -> list[dict]:
    """Add ``current`` and ``superseded_by`` (the delivery that replaced it, by lake.current's rule) to each row."""
    by_feed: dict[str, list[dict]] = {}
    for entry in entries:
        by_feed.setdefault(entry["feed_id"], []).append(entry)
    for feed_entries in by_feed.values():
        replaces = _replaces(feed_entries)
        replaced = superseding(feed_entries, replaces)
        for entry in feed_entries:
            entry["superseded_by"] = replaced.get(entry["batch_id"])
            entry["current"] = entry["status"] == "loaded" and entry["superseded_by"] is None
    return entries


def _replaces(feed_entries: list[dict]) -> str:
    """What a delivery of the feed replaces, as its newest ledger row recorded it (older rows: declared_period)."""
    stated = [e["replaces"] for e in sorted(feed_entries, key=lambda e: e["batch_id"]) if e.get("replaces")]
    return stated[-1] if stated else "declared_period"


def batch_ids(settings: Settings) -> set[str]:
    """The batch id of every ledger row, whatever its status."""
    return {entry["batch_id"] for entry in _shared_entries(settings)}


def find_loaded(settings: Settings, sha256: str, feed_id: str) -> dict | None:
    for entry in _shared_entries(settings):
        if entry["status"] == "loaded" and entry["sha256"] == sha256 and entry["feed_id"] == feed_id:
            return copy.deepcopy(entry)
    return None


def list_in_force(settings: Settings, feed_id: str) -> dict | None:
    """The current delivery of ``feed_id`` with the latest declared period (an opt-out list delivered late for an
    earlier date never replaces a newer one; a corrected list for the same date does)."""
    entries = [e for e in _shared_entries(settings) if e["feed_id"] == feed_id]
    current = current_deliveries(entries, _replaces(entries)) if entries else []
    if not current:
        return None
    latest = max(current, key=lambda e: (e.get("declared_period") or "", order_key(e)))
    return copy.deepcopy(latest)
