"""Delivering files the way partners must: file first (atomic rename), then the ``_READY`` marker."""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from config import names
from config.settings import Settings, get_settings
from ingest.claim import READY_MARKER
from ingest.zone import copy_private, private_dir, write_private_text


def drop_files(paths: Iterable[Path | str], landing_dir: Path | str, ready: bool = True,
               zone_root: Path | None = None) -> list[Path]:
    """Deliver files the way partners must: copy under a hidden temporary name, rename atomically, then write
    the ``_READY`` marker (also atomically) so the watcher never sees a half-written file. A sidecar
    ``<file>.manifest.json`` next to a source file travels with it (before the file itself).

    Landing is in the identifiable zone: the folders from ``zone_root`` (default: the landing folder itself)
    down are made 0o700 and every file is written 0o600."""
    landing = Path(landing_dir)
    private_dir(landing, Path(zone_root) if zone_root else landing)
    delivered = []
    for src in map(Path, paths):
        for item in (src.with_name(src.name + ".manifest.json"), src):
            if item.exists():
                tmp = landing / f".{item.name}.part"
                copy_private(item, tmp)
                os.replace(tmp, landing / item.name)
        delivered.append(landing / src.name)
    if ready:
        write_private_text(landing / READY_MARKER, datetime.now().isoformat(timespec="seconds") + "\n")
    return delivered


def drop_for_feed(paths: Iterable[Path | str], feed_id: str, settings: Settings | None = None) -> list[Path]:
    """``drop_files`` into the landing folder of the contract with ``feed_id``."""
    from config.contracts import contract_for_feed

    settings = settings or get_settings()
    contract = contract_for_feed(settings.contracts_dir, feed_id)
    return drop_files(paths, names.landing_folder(settings, contract), zone_root=settings.identifiable_dir)

