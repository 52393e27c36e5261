"""The archive of delivered files (in the identifiable zone) and its retention.

After ingest, a file claimed from landing moves to ``archive/<feed_id>/<batch_id>/`` with its manifest sidecar,
owner-only, and the folder records when it was archived (``_ARCHIVED_AT``, an ISO time in UTC written by the
pipeline: a partner's file times play no part). ``purge_archive`` removes the folders archived at least
``archive_retention_days`` ago. It never removes anything outside the archive and never reads or writes the lake.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from config import names
from config.settings import Settings
from ingest.zone import private_dir, private_file, write_private_text

ARCHIVED_RECORD = "_ARCHIVED_AT"


def archive_delivery(path: Path, settings: Settings, feed_id: str, batch_id: str) -> Path:
    """Move ``path`` and its sidecars (``<name>*``) into the batch's archive folder, owner-only."""
    target = private_dir(names.archive_batch_folder(settings, feed_id, batch_id), settings.identifiable_dir)
    if not (target / ARCHIVED_RECORD).exists():
        mark_archived(target, datetime.now(UTC))
    for item in path.parent.glob(path.name + "*"):
        os.replace(item, target / item.name)
        private_file(target / item.name)
    return target


def mark_archived(folder: Path, at: datetime) -> None:
    """Record (atomically) when ``folder`` was archived: the time retention is counted from."""
    write_private_text(folder / ARCHIVED_RECORD, at.astimezone(UTC).isoformat() + "\n")


def archived_at(folder: Path) -> datetime | None:
    """When ``folder`` was archived, or None when it has no readable record (with a time zone)."""
    try:
        when = datetime.fromisoformat((folder / ARCHIVED_RECORD).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return when if when.tzinfo else None


@dataclass
class ArchivedDelivery:
    feed_id: str
    batch_id: str
    path: str
    archived_at: str | None
    age_days: float | None
    files: list[str]
    size_bytes: int


@dataclass
class PurgeResult:
    retention_days: int
    cutoff: str  # folders archived at or before this time are expired
    dry_run: bool
    expired: list[ArchivedDelivery] = field(default_factory=list)  # removed (or, in a dry run, to remove)
    kept: int = 0
    undated: list[ArchivedDelivery] = field(default_factory=list)  # no record: dated now, kept

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        size, n = sum(d.size_bytes for d in self.expired), len(self.expired)
        text = (f"{verb} {n} archived {'delivery' if n == 1 else 'deliveries'} ({size:,} bytes) archived "
                f"{self.retention_days} or more days ago (at or before {self.cutoff[:16]} UTC); kept {self.kept}")
        if self.undated:
            text += (f"; {len(self.undated)} without an archive time "
                     f"{'would be' if self.dry_run else 'were'} dated now and kept")
        return text


def purge_archive(settings: Settings, now: datetime | None = None, dry_run: bool = False) -> PurgeResult:
    """Remove every archived delivery whose folder was archived ``settings.archive_retention_days`` or more
    days before ``now``. A folder without a record (archived before records were kept, or one a kill left
    half-made) gets one dated ``now``, so it is kept a full period and then removed. ``dry_run``: list, touch
    nothing."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=settings.archive_retention_days)
    result = PurgeResult(retention_days=settings.archive_retention_days, cutoff=cutoff.isoformat(), dry_run=dry_run)
    for folder in _batch_folders(settings.archive_dir):
        when = archived_at(folder)
        item = _describe(folder, when, now)
        if when is None:
            result.undated.append(item)
            if not dry_run:
                mark_archived(folder, now)
        elif when <= cutoff:
            result.expired.append(item)
            if not dry_run:
                shutil.rmtree(folder)
        else:
            result.kept += 1
    return result


def _batch_folders(archive: Path) -> list[Path]:
    """``archive/<feed_id>/<batch_id>/`` folders, real folders only (a symbolic link is never followed)."""
    if not archive.is_dir():
        return []
    return [batch for feed in sorted(archive.iterdir()) if feed.is_dir() and not feed.is_symlink()
            for batch in sorted(feed.iterdir()) if batch.is_dir() and not batch.is_symlink()]


def _describe(folder: Path, when: datetime | None, now: datetime) -> ArchivedDelivery:
    files = sorted(p for p in folder.iterdir() if p.name != ARCHIVED_RECORD)
    return ArchivedDelivery(
        feed_id=folder.parent.name, batch_id=folder.name, path=str(folder),
        archived_at=when.isoformat() if when else None,
        age_days=round((now - when).total_seconds() / 86400, 2) if when else None,
        files=[p.name for p in files], size_bytes=sum(p.stat().st_size for p in files if p.is_file()))
