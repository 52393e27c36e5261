"""The warehouse's DuckDB file, created whole or not at all.

DuckDB creates a new database in place: it opens the path with ``O_CREAT``, then writes the file's three header
blocks (12 KiB). A process killed between the two leaves a file that is empty or short, which DuckDB then refuses
for ever ("exists, but it is not a valid DuckDB database file"), so every later build fails. The chaos test
(tests/e2e/test_chaos.py) met it: a run SIGKILLed as its build opened a new warehouse, on a busy machine, where a
write can wait on the kernel's writeback and a fatal signal ends it before a byte is written.

So the pipeline never lets dbt create the warehouse. :func:`ensure_warehouse`, called before every dbt command,
creates a new one under a temporary name in the same folder and links it into place only once DuckDB has written
it; a kill at any moment leaves either no warehouse or a whole one. A warehouse left short by an earlier version
(shorter than its headers, so it cannot hold a table) is removed, with a warning, and created again; a file of
another kind there is refused with what to do (:class:`WarehouseUnreadable`), never removed.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

#: DuckDB writes a new database's main header and its two database headers (4 KiB each) before anything else: a
#: shorter file is a creation that never finished, and holds no data.
HEADER_BYTES = 3 * 4096
#: Folders of creations that a killed process left behind are removed once this old (seconds); a creation itself
#: takes milliseconds.
STALE_SECONDS = 600
PREFIX = ".warehouse-new-"
#: Where DuckDB's main header keeps its magic bytes.
MAGIC, MAGIC_AT = b"DUCK", 8


class WarehouseUnreadable(RuntimeError):
    """The warehouse path holds a file that is not a DuckDB database; the message says what to do."""


def ensure_warehouse(path: Path) -> None:
    """Make sure a whole DuckDB database file is at ``path``: leave one that is there, create one that is not
    (atomically), and replace one that is shorter than its headers (an unfinished creation)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_creations(path.parent)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = None
    if size is not None and size >= HEADER_BYTES:
        _check_header(path)
        return
    if size is not None:
        log.warning("warehouse %s is %d bytes, shorter than a DuckDB database's headers (%d): a creation that "
                    "never finished, holding no data; it is removed and created again", path, size, HEADER_BYTES)
        path.unlink(missing_ok=True)
    _create(path)


def _check_header(path: Path) -> None:
    """Refuse, with what to do, a file at the warehouse path that is not a DuckDB database (DuckDB's own error
    comes out of dbt as a traceback). It is not removed: the pipeline did not write it, so it may be someone's."""
    with open(path, "rb") as handle:
        handle.seek(MAGIC_AT)
        found = handle.read(len(MAGIC))
    if found != MAGIC:
        raise WarehouseUnreadable(
            f"the warehouse {path} is not a DuckDB database: bytes {MAGIC_AT}-{MAGIC_AT + len(MAGIC) - 1} are "
            f"{found!r}, where DuckDB writes {MAGIC!r}. The pipeline did not write this file. The warehouse is built "
            "from the lake alone: move the file aside and run `outcomes build` to build it whole.")


def _create(path: Path) -> None:
    """A new, empty DuckDB database written under a temporary name beside ``path`` and then linked to ``path``
    (a link never replaces a file: a warehouse another process created meanwhile is kept)."""
    import duckdb

    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=path.parent))
    try:
        new = folder / path.name
        duckdb.connect(str(new)).close()  # DuckDB writes and syncs the headers before it returns
        if _linked(new, path):
            log.info("created the warehouse %s", path)
        else:
            log.info("warehouse %s was created by another process meanwhile; that one is kept", path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _linked(new: Path, path: Path) -> bool:
    """Link ``new`` to ``path``; False when ``path`` exists already. On a file system without hard links (some
    network and FUSE mounts) ``new`` is renamed to ``path`` instead, unless ``path`` exists: still whole, though
    two processes creating the warehouse in the same instant could then both rename, the second's replacing the
    first's (a rename, unlike a link, replaces a file)."""
    try:
        os.link(new, path)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS):
            raise
        if path.exists():
            return False
        os.rename(new, path)
    return True


def _remove_stale_creations(parent: Path) -> None:
    cutoff = time.time() - STALE_SECONDS
    for folder in parent.glob(PREFIX + "*"):
        try:
            stale = folder.stat().st_mtime < cutoff
        except FileNotFoundError:
            continue
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
