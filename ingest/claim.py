"""Claim delivered files from a feed's landing folder, atomically, so each file is ingested by one run only."""

from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

from config import names
from config.contracts import contract_for_feed
from config.settings import Settings, get_settings
from ingest.zone import private_dir, private_file

READY_MARKER = "_READY"
CLAIM_STAMP = "%Y%m%dT%H%M%S%fZ"  # an inbox folder is named <claim time>-<random>: the claim time is recorded
_CLAIM_FOLDER = re.compile(r"(\d{8}T\d{12}Z)-[0-9a-f]+")
PARTIAL_SUFFIXES = (".tmp", ".part", ".partial")


def claim_files(feed_id: str, settings: Settings | None = None) -> list[str]:
    """Move every waiting file of ``feed_id`` (with its manifest sidecar) into a fresh inbox folder.

    A rename is atomic on one filesystem, so two runs racing for the same file cannot both get it.
    Markers, sidecars and files still being written (``.tmp``/``.part``) are left alone. The inbox folder and
    the claimed files are owner-only (the identifiable zone).
    """
    settings = settings or get_settings()
    contract = contract_for_feed(settings.contracts_dir, feed_id)
    landing = names.landing_folder(settings, contract)
    if not landing.exists():
        return []
    claim_dir = settings.inbox_dir / feed_id / f"{datetime.now(UTC):{CLAIM_STAMP}}-{uuid.uuid4().hex[:12]}"
    claimed: list[str] = []
    sidecar = contract.file.manifest_suffix
    for path in sorted(landing.iterdir()):
        name = path.name
        if (not path.is_file() or name == READY_MARKER or name.startswith(".") or name.endswith(sidecar)
                or name.endswith(PARTIAL_SUFFIXES)):
            continue
        private_dir(claim_dir, settings.identifiable_dir)
        try:
            private_file(path)  # before the move: a file that cannot be made owner-only stays in landing
            os.rename(path, claim_dir / name)
        except FileNotFoundError:  # another run claimed it first
            continue
        manifest = path.with_name(name + sidecar)
        if manifest.exists():
            try:
                private_file(manifest)
                os.rename(manifest, claim_dir / manifest.name)
            except FileNotFoundError:
                pass
        claimed.append(str(claim_dir / name))
    return claimed


def is_claimed(path: Path, settings: Settings) -> bool:
    return path.resolve().is_relative_to(settings.inbox_dir.resolve())


def claimed_at(path: Path, settings: Settings) -> datetime | None:
    """When a claimed file was claimed from landing (from its inbox folder's name); None for other files."""
    match = _CLAIM_FOLDER.fullmatch(path.parent.name) if is_claimed(path, settings) else None
    return datetime.strptime(match[1], CLAIM_STAMP).replace(tzinfo=UTC) if match else None


def locate(path: str | Path, feed_id: str, settings: Settings | None = None) -> Path:
    """The delivered file at ``path`` or, once ingested, its archived copy: so re-running an ingest task that
    already succeeded finds the file and ends as a duplicate instead of failing. Raises FileNotFoundError."""
    settings = settings or get_settings()
    path = Path(path)
    if path.is_file():
        return path
    archived = sorted((settings.archive_dir / feed_id).glob(f"*/{path.name}"))
    if archived:
        return archived[-1]  # batch ids sort by time: the latest delivery of that name
    raise FileNotFoundError(f"{path}: not in the inbox and not in the archive of {feed_id}")
