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



def extracts_by_feed(settings: Settings, source: Path, files: Iterable[Path] | None = None,
                     feeds: Iterable[str] | None = None) -> dict[str, list[Path]]:
    """The extracts under ``source`` (laid out ``<ORG>/<feed>/`` as ``outcomes synth`` writes them) of each
    contract, by feed id: every file matching the contract's pattern, or only those of ``files``."""
    from config.contracts import load_contracts

    wanted = set(feeds) if feeds else None
    chosen = {Path(f) for f in files} if files is not None else None
    out: dict[str, list[Path]] = {}
    for contract in load_contracts(settings.contracts_dir):
        folder = Path(source) / contract.landing_subdir()
        if (wanted is not None and contract.feed_id not in wanted) or not folder.is_dir():
            continue
        mine = sorted(f for f in folder.iterdir() if f.is_file() and contract.matches(f.name)
                      and (chosen is None or f in chosen))
        if mine:
            out[contract.feed_id] = mine
    return out


def deliver_extracts(settings: Settings, by_feed: dict[str, list[Path]]) -> dict[str, list[Path]]:
    """Drop each feed's files into its landing folder, then its ``_READY`` marker (:func:`drop_files`); returns
    the delivered paths by feed id. ``outcomes run`` and the ingest DAGs' watchers then find them."""
    from config.contracts import contract_for_feed

    delivered = {}
    for feed_id, paths in by_feed.items():
        contract = contract_for_feed(settings.contracts_dir, feed_id)
        delivered[feed_id] = drop_files(paths, names.landing_folder(settings, contract),
                                        zone_root=settings.identifiable_dir)
    return delivered
