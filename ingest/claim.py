"""Claim delivered files from a feed's landing folder, atomically, so each file is ingested by one run only; and
re-take the claims a killed run left behind, so no delivered file stays stranded in the inbox.

A claim is a folder ``inbox/<feed_id>/<claim time>-<random>/`` holding the files one run took from landing (a
rename each) and a lock file, all owner-only (the identifiable zone). The run holds an exclusive ``flock`` on the
lock file while it works on the claim, and the kernel drops the lock when the process ends, however it ends
(SIGKILL included). A claim folder that still holds files while nobody holds its lock is stranded: its run died
before ingesting and archiving them. The next claim of the feed re-takes it in place (the files keep their folder,
so their claim time and order are kept) before claiming landing. Files the dead run had already committed are
recognised by checksum at ingest and recorded as duplicates: they are never loaded twice. The ingest DAG's mapped
tasks hold a shared lock on the claim folder of the file they ingest (:func:`reading`), so a claim handed from the
DAG's claim task to its ingest tasks is not re-taken while one of them works on it.

A claim folder is made under a ``.claiming-`` name and renamed to its claim id once its lock is held. The making
holds an exclusive ``flock`` on the feed's inbox folder itself (:func:`_making_claims`; a directory can be locked,
so no lock file is left behind), and so does a run that looks at a ``.claiming-`` folder: one it sees under that
lock was left by a run killed while making it, and is removed at once, with no waiting period.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from config import names
from config.contracts import contract_for_feed
from config.settings import Settings, get_settings
from ingest.zone import FILE_MODE, private_dir, private_file

log = logging.getLogger(__name__)

READY_MARKER = "_READY"
CLAIM_STAMP = "%Y%m%dT%H%M%S%fZ"  # an inbox folder is named <claim time>-<random>: the claim time is recorded
_CLAIM_FOLDER = re.compile(r"(\d{8}T\d{12}Z)-[0-9a-f]+")
PARTIAL_SUFFIXES = (".tmp", ".part", ".partial")
CLAIM_LOCK = ".claim.lock"
_NEW = ".claiming-"  # a claim folder being made (holds only its lock until renamed to its claim id)


@dataclass
class Claim:
    """A claim folder held by this process (its lock is held until :meth:`release`)."""

    feed_id: str
    folder: Path
    files: list[Path]
    retaken: bool  # left stranded by a run that died, re-taken by this one
    _lock: BinaryIO = field(repr=False)

    def release(self) -> None:
        """Give the claim up; its folder is removed when nothing is left in it but the lock (all archived)."""
        try:
            if self.folder.is_dir() and [p.name for p in self.folder.iterdir()] == [CLAIM_LOCK]:
                os.unlink(self.folder / CLAIM_LOCK)
                with suppress(OSError):  # another run opened (so re-created) the lock meanwhile: it removes it
                    os.rmdir(self.folder)
        finally:
            self._lock.close()


def take_claims(feed_id: str, settings: Settings) -> list[Claim]:
    """The feed's stranded claims (oldest first), then a new claim of the files waiting in landing. Every claim
    returned holds files and is locked by this process: call :meth:`Claim.release` on each when done."""
    claims = _retake_stranded(feed_id, settings)
    new = _claim_landing(feed_id, settings)
    return [*claims, new] if new else claims


@contextmanager
def holding_claims(feed_ids: Iterable[str], settings: Settings) -> Iterator[list[Claim]]:
    """Take the claims of every feed (:func:`take_claims`, in the order given) and release them on exit."""
    claims: list[Claim] = []
    try:
        for feed_id in feed_ids:
            claims += take_claims(feed_id, settings)
        yield claims
    finally:
        for claim in claims:
            claim.release()


def claim_files(feed_id: str, settings: Settings | None = None) -> list[str]:
    """Claim every waiting file of ``feed_id`` (with its manifest sidecar), after re-taking stranded claims, and
    return their paths. The locks are released on return, for a caller that hands the files on to other
    processes (the ingest DAG's mapped tasks, which take :func:`reading` locks)."""
    settings = settings or get_settings()
    claims = take_claims(feed_id, settings)
    for claim in claims:
        claim.release()
    return [str(p) for claim in claims for p in claim.files]


@contextmanager
def reading(path: str | Path, settings: Settings) -> Iterator[None]:
    """Hold a shared lock on the claim folder of ``path`` (waiting for a run that re-took it to finish), so no
    run re-takes the claim while this process ingests the file. A path outside the inbox needs no lock."""
    lock = Path(path).parent / CLAIM_LOCK
    if not is_claimed(Path(path), settings) or not lock.is_file():
        yield
        return
    with open(lock, "rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        yield


def _claim_landing(feed_id: str, settings: Settings) -> Claim | None:
    """Move every waiting file of the feed (with its sidecar) into a new claim folder, created locked; None when
    there was nothing to claim.

    A rename is atomic on one filesystem, so two runs racing for the same file cannot both get it. Markers,
    sidecars and files still being written (``.tmp``/``.part``) are left alone.
    """
    contract = contract_for_feed(settings.contracts_dir, feed_id)
    landing = names.landing_folder(settings, contract)
    sidecar = contract.file.manifest_suffix
    waiting = sorted(p for p in landing.iterdir() if _is_delivery(p, sidecar)) if landing.is_dir() else []
    if not waiting:
        return None
    claim = _new_claim(feed_id, settings)
    for path in waiting:
        try:
            private_file(path)  # before the move: a file that cannot be made owner-only stays in landing
            os.rename(path, claim.folder / path.name)
        except FileNotFoundError:  # another run claimed it first
            continue
        _take_sidecar(landing, claim.folder, path.name + sidecar)
        claim.files.append(claim.folder / path.name)
    if not claim.files:
        claim.release()
        return None
    return claim


def _new_claim(feed_id: str, settings: Settings) -> Claim:
    """An empty claim folder, locked by this process before any other run can see it."""
    root = private_dir(settings.inbox_dir / feed_id, settings.identifiable_dir)
    claim_id = f"{datetime.now(UTC):{CLAIM_STAMP}}-{uuid.uuid4().hex[:12]}"  # sorts by claim time
    with _making_claims(root):
        making = private_dir(root / f"{_NEW}{claim_id}", settings.identifiable_dir)
        lock = _open_lock(making)
        fcntl.flock(lock, fcntl.LOCK_EX)
        os.rename(making, root / claim_id)
    return Claim(feed_id, root / claim_id, [], retaken=False, _lock=lock)


@contextmanager
def _making_claims(root: Path) -> Iterator[None]:
    """Hold the exclusive lock on a feed's inbox folder that making a claim folder takes (the kernel drops it when
    its process ends, however it ends): under it, no ``.claiming-`` folder is half made by a live run."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _retake_stranded(feed_id: str, settings: Settings) -> list[Claim]:
    """Lock every claim folder of the feed that nobody holds: re-take those with files, remove the empty ones."""
    root = settings.inbox_dir / feed_id
    if not root.is_dir():
        return []
    contract = contract_for_feed(settings.contracts_dir, feed_id)
    landing = names.landing_folder(settings, contract)
    sidecar = contract.file.manifest_suffix
    claims: list[Claim] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        # a ".claiming-" folder was made by a run killed before renaming it, or is being made now: looked at under
        # the making lock (None when its maker finished meanwhile and renamed it)
        with _making_claims(root) if folder.name.startswith(_NEW) else nullcontext():
            lock = _lock_unheld(folder)
        if lock is None:
            continue
        files = sorted(p for p in folder.iterdir() if _is_delivery(p, sidecar))
        for path in files:  # a claim killed between a file and its sidecar left the sidecar in landing
            _take_sidecar(landing, folder, path.name + sidecar)
        claim = Claim(feed_id, folder, files, retaken=True, _lock=lock)
        if files:
            log.warning("re-taking %d file(s) of %s left claimed in %s by a run that did not finish",
                        len(files), feed_id, folder)
            claims.append(claim)
        else:
            _remove_if_empty(claim)
    return claims


def _lock_unheld(folder: Path) -> BinaryIO | None:
    """This process's exclusive lock on a claim folder nobody else holds, or None (held, or gone meanwhile)."""
    try:
        handle = _open_lock(folder)
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.fstat(handle.fileno()).st_ino != os.stat(folder / CLAIM_LOCK).st_ino:
            raise FileNotFoundError(folder)  # released and removed by its holder between our open and lock
    except (BlockingIOError, FileNotFoundError):
        handle.close()
        return None
    return handle


def _open_lock(folder: Path) -> BinaryIO:
    """The claim folder's lock file, opened (created owner-only if missing: the folder is in the identifiable
    zone) for the caller to flock and keep."""
    fd = os.open(folder / CLAIM_LOCK, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    return os.fdopen(fd, "ab")


def _remove_if_empty(claim: Claim) -> None:
    """A stranded folder with no delivery in it: removed if it holds nothing else, else left (and said)."""
    leftovers = [p.name for p in claim.folder.iterdir() if p.name != CLAIM_LOCK]
    if leftovers:
        log.warning("claim folder %s holds no delivered file but %s: left for an engineer", claim.folder, leftovers)
    claim.release()


def _take_sidecar(landing: Path, folder: Path, name: str) -> None:
    if (landing / name).exists() and not (folder / name).exists():
        with suppress(FileNotFoundError):  # another run took it with its file
            private_file(landing / name)
            os.rename(landing / name, folder / name)


def _is_delivery(path: Path, sidecar: str) -> bool:
    name = path.name
    return (path.is_file() and name != READY_MARKER and not name.startswith(".") and not name.endswith(sidecar)
            and not name.endswith(PARTIAL_SUFFIXES))


def files_in_flight(settings: Settings) -> dict[str, int]:
    """How many delivered files each feed has claimed from landing and not yet ingested (still in a claim folder of
    the inbox): the files an ingest run is working through, or ones a killed run left for the next claim. A file
    leaves the inbox for the archive whatever its outcome (loaded, duplicate or refused), sidecars with it."""
    root = settings.inbox_dir
    counts: dict[str, int] = {}
    for feed in sorted(root.iterdir()) if root.is_dir() else []:
        try:
            sidecar = contract_for_feed(settings.contracts_dir, feed.name).file.manifest_suffix
        except ValueError:  # ContractError: not a feed's folder
            continue
        with suppress(FileNotFoundError):  # a claim folder removed while it is counted
            waiting = sum(_is_delivery(path, sidecar) for folder in feed.iterdir() if folder.is_dir()
                          for path in folder.iterdir())
            if waiting:
                counts[feed.name] = waiting
    return counts


def is_claimed(path: Path, settings: Settings) -> bool:
    return path.resolve().is_relative_to(settings.inbox_dir.resolve())


def claimed_at(path: Path, settings: Settings) -> datetime | None:
    """When a claimed file was claimed from landing (from its inbox folder's name); None for other files. A claim
    re-taken after its run was killed keeps its folder, so its files keep their claim time."""
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
