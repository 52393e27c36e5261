"""Writing a pulled file into a feed's landing folder so that a partial download never reaches it.

The bytes go to a hidden ``.<name>.part`` file (which claim ignores), are flushed to disk, and only then is the
file renamed to its name (atomic on one filesystem) and the folder's entry flushed too. Only after
:func:`land_stream` returns may the source be told the file was taken (a MESH acknowledgement, an SFTP move).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ingest.claim import READY_MARKER
from ingest.zone import FILE_MODE, private_dir, write_private_text


@dataclass(frozen=True)
class Landed:
    path: Path
    size: int
    sha256: str


def safe_name(name: str, feed_id: str) -> str:
    """A file name a source gave, refused when it could escape the landing folder or hide from claim."""
    if not name or name != Path(name).name or name.startswith(".") or name == READY_MARKER or "\\" in name:
        raise ValueError(f"feed {feed_id}: the source named a file {name!r}, which cannot be a landing file name")
    return name


def partial_path(landing: Path, name: str) -> Path:
    return landing / f".{name}.part"


class IncompleteDownload(Exception):
    """Fewer or more bytes arrived than the source said the file holds; nothing was put into landing."""


def land_stream(chunks: Iterable[bytes], landing: Path, name: str, zone_root: Path,
                expected_size: int | None = None,
                before_rename: Callable[[int, str], None] | None = None) -> Landed:
    """Write ``chunks`` to ``landing/name`` durably (temporary name, fsync, rename, fsync of the folder). With
    ``expected_size``, a download of another size is refused (IncompleteDownload) before it reaches landing.
    ``before_rename(size, sha256)`` runs once the bytes are on disk and before the file takes its name (to write
    its manifest sidecar first, as partners must)."""
    private_dir(landing, zone_root)
    tmp = partial_path(landing, name)
    digest, size = hashlib.sha256(), 0
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb", closefd=False) as out:
            for chunk in chunks:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(fd)
        if expected_size is not None and size != expected_size:
            raise IncompleteDownload(f"{name}: {size:,} bytes arrived, the source said {expected_size:,}")
        if before_rename is not None:
            before_rename(size, digest.hexdigest())
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    final = landing / name
    os.replace(tmp, final)
    _fsync_dir(landing)
    return Landed(final, size, digest.hexdigest())


def mark_ready(landing: Path) -> None:
    """Write the ``_READY`` marker after the files: the feed's asset watcher starts its ingest DAG."""
    write_private_text(landing / READY_MARKER, "pulled\n")
    _fsync_dir(landing)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
