"""Delivering files the way partners must: file first (atomic rename), then the ``_READY`` marker."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from config import names
from config.settings import Settings, get_settings
from ingest.claim import READY_MARKER


def drop_files(paths: Iterable[Path | str], landing_dir: Path | str, ready: bool = True) -> list[Path]:
    """Deliver files the way partners must: copy under a hidden temporary name, rename atomically, then write
    the ``_READY`` marker (also atomically) so the watcher never sees a half-written file. A sidecar
    ``<file>.manifest.json`` next to a source file travels with it (before the file itself)."""
    landing = Path(landing_dir)
    landing.mkdir(parents=True, exist_ok=True)
    delivered = []
    for src in map(Path, paths):
        for item in (src.with_name(src.name + ".manifest.json"), src):
            if item.exists():
                tmp = landing / f".{item.name}.part"
                shutil.copyfile(item, tmp)
                os.replace(tmp, landing / item.name)
        delivered.append(landing / src.name)
    if ready:
        tmp = landing / f".{READY_MARKER}.part"
        tmp.write_text(datetime.now().isoformat(timespec="seconds") + "\n")
        os.replace(tmp, landing / READY_MARKER)
    return delivered


def drop_for_feed(paths: Iterable[Path | str], feed_id: str, settings: Settings | None = None) -> list[Path]:
    """``drop_files`` into the landing folder of the contract with ``feed_id``."""
    from config.contracts import contract_for_feed

    settings = settings or get_settings()
    contract = contract_for_feed(settings.contracts_dir, feed_id)
    return drop_files(paths, names.landing_folder(settings, contract))

