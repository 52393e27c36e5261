"""Ingest delivered files: file checks -> row checks -> opt-outs -> pseudonyms -> raw batch -> ledger row.

Nothing partial is ever visible: batches are written under ``lake/_incoming`` and renamed into the lake, and
the ledger row (the commit point) is written last. The same bytes delivered twice are skipped by checksum.
Ingest never opens the warehouse. Several files of one feed are checked and written together
(ingest.group_rows); each still gets its own batch, quarantine, ledger row and outcome (ingest.record).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path

from config.contracts import Contract, contract_for_feed, contract_for_file
from config.settings import Settings, get_pseudonym_key, get_settings
from ingest import engine, file_checks, redact
from ingest.claim import claimed_at
from ingest.errors import FileRejected
from ingest.group_rows import Delivery, check_and_write
from ingest.record import (
    IngestResult,
    commit,
    ledger_base,
    record_duplicate,
    record_refusal,
    sweep_incoming,
    sweep_uncommitted,
)
from ingest.workbook_checks import check_workbook
from lake.current import TIME_FORMAT
from lake.declared import DeclarationError, declared
from lake.ledger import find_loaded, ledger_lock

log = logging.getLogger(__name__)


def new_batch_id(sha256: str) -> str:
    """Sorts by load time; the random tail keeps two deliveries in the same microsecond apart."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}_{sha256[:12]}_{secrets.token_hex(2)}"


Outcome = IngestResult | Exception
OnResult = Callable[[Path, Outcome], None]

# A group of files checked together holds at most this many CSV bytes (its rows are in memory at once) and files.
# Measured on the synthetic year: 24 MB keeps the peak memory where a single large file puts it (about 780 MB);
# 64 MB took 1.2 GB for about 10% less time.
GROUP_MAX_BYTES = 24 * 1024 * 1024
GROUP_MAX_FILES = 64


def ingest_file(path: str | Path, feed_id: str | None = None, settings: Settings | None = None,
                landing_root: Path | None = None) -> IngestResult:
    """Ingest one file. Raises FileRejected (a data error) when the file as a whole is refused."""
    (outcome,) = ingest_files([path], feed_id=feed_id, settings=settings, landing_root=landing_root)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def ingest_files(paths: Sequence[str | Path], feed_id: str | None = None, settings: Settings | None = None,
                 landing_root: Path | None = None, on_result: OnResult | None = None) -> list[Outcome]:
    """Ingest files; one outcome per path, in the order given: an IngestResult, or the exception that refused
    the file (FileRejected for a data error; FileNotFoundError for a missing file, ...). ``on_result`` is called
    as each file finishes (from the thread that ingested it, one call at a time).

    Opt-out lists go first, so every other file is filtered by the latest list. The other feeds follow in
    :data:`LANES` lanes side by side, largest feed first, each feed in one lane with its files in the order given
    (so a resubmission still supersedes what it follows). Consecutive files of a feed with the same layout are
    checked in groups (ingest.group_rows), each group as soon as it is gathered; the outcome of each file is as if
    it were ingested alone. An interruption (Ctrl-C) lets the groups being written finish and starts no other.
    """
    settings = settings or get_settings()
    key = get_pseudonym_key()  # refuse to start without a key, before touching anything
    sweep_incoming(settings)
    sweep_uncommitted(settings)
    paths = [Path(p) for p in paths]
    outcomes: dict[int, Outcome] = {}
    finishing = threading.Lock()

    def finish(i: int, outcome: Outcome) -> None:
        with finishing:
            outcomes[i] = outcome
            if on_result:
                on_result(paths[i], outcome)

    contracts = _contracts_of(paths, feed_id, settings)
    optouts, feeds = _delivery_lanes(paths, contracts)
    redacting = [any(redact.redacted_columns(contracts[i]) for i in indices if contracts[i]) for indices in feeds]
    stop = threading.Event()
    in_lanes = len(feeds) >= 2 and LANES >= 2
    if any(redacting) and not in_lanes:  # the lanes load it when they near its feed (_ingest_in_lanes)
        redact.load_in_background()  # its libraries take a second of one core; the files go on meanwhile
    _ingest_in_order(optouts, paths, feed_id, settings, landing_root, key, finish, stop)
    if in_lanes:
        _ingest_in_lanes(feeds, redacting, paths, feed_id, settings, landing_root, key, finish, stop)
    else:
        for indices in feeds:
            _ingest_in_order(indices, paths, feed_id, settings, landing_root, key, finish, stop)
    return [outcomes[i] for i in range(len(paths))]


def _ingest_in_lanes(feeds: list[list[int]], redacting: list[bool], paths: list[Path], feed_id: str | None,
                     settings: Settings, landing_root: Path | None, key: bytes,
                     finish: Callable[[int, Outcome], None], stop: threading.Event) -> None:
    """The feeds in :data:`LANES` lanes, each statement on one thread while two feeds or more are left: the
    lanes keep the cores busy between one group's statements and the next, and a statement of a monthly file on
    one thread does the same work with less processor time than on two. The last feed left runs alone, with a
    thread per core again (bench/results.md, issue 18, twenty-ninth round).

    Presidio (for the feeds whose free text is redacted, ``redacting``) is loaded in the background once a lane
    takes a feed within :data:`LANES` feeds of the first such feed: its 65 MB are not held through the larger
    feeds before it, which the lanes take first (bench/results.md, issue 18, thirty-second round)."""
    left = len(feeds)
    counting = threading.Lock()

    def lane(position: int) -> None:
        nonlocal left
        try:
            if any(redacting[position:position + LANES + 1]):
                redact.load_in_background()
            _ingest_in_order(feeds[position], paths, feed_id, settings, landing_root, key, finish, stop)
        finally:
            with counting:
                left -= 1
                if left == 1:  # the other lane has no feed to take: the one still running gets every core
                    engine.statement_threads(settings, None)

    engine.statement_threads(settings, 1)
    try:
        with ThreadPoolExecutor(LANES, thread_name_prefix="ingest-lane") as lanes:
            running = [lanes.submit(lane, position) for position in range(len(feeds))]
            try:
                done, _ = wait(running, return_when=FIRST_EXCEPTION)
                for future in (*done, *running):  # a lane's exception first, as soon as it is raised
                    future.result()
            except BaseException:
                stop.set()  # each lane finishes the group it is writing, then stops
                lanes.shutdown(wait=True, cancel_futures=True)
                raise
    finally:
        engine.statement_threads(settings, None)


#: Feeds ingested side by side (each a group at a time; its statements on one thread while another feed runs
#: beside it, see ``_ingest_in_lanes``): one lane leaves a core idle while a group's work of one core (file
#: checks, hashing's hand-offs, counts, commits) runs. Two lanes took the synthetic year's ingest from 27.2-28.3 s
#: to 19.2-21.2 s (bench/results.md, issue 18, seventeenth round).
LANES = min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _ingest_in_order(indices: list[int], paths: list[Path], feed_id: str | None, settings: Settings,
                     landing_root: Path | None, key: bytes, finish: Callable[[int, Outcome], None],
                     stop: threading.Event) -> None:
    """Receive the files at ``indices`` one after another and check and write them in groups, as gathered.
    Whatever this lane raises stops the other lanes at once (``stop`` is set in this thread, before the caller's
    thread wakes to see the exception), so they finish at most the group they are writing."""
    try:
        _ingest_lane(indices, paths, feed_id, settings, landing_root, key, finish, stop)
    except BaseException:
        stop.set()
        raise


def _ingest_lane(indices: list[int], paths: list[Path], feed_id: str | None, settings: Settings,
                 landing_root: Path | None, key: bytes, finish: Callable[[int, Outcome], None],
                 stop: threading.Event) -> None:
    group: list[tuple[int, Delivery]] = []
    for i in indices:
        if stop.is_set():
            return
        try:
            received = _receive(paths[i], feed_id, settings, landing_root)
        except Exception as exc:  # noqa: BLE001 - the file's outcome; the other files go on
            finish(i, exc)
            continue
        if isinstance(received, IngestResult):
            finish(i, received)
            continue
        if group and not _joins(group, received):
            for j, outcome in _ingest_group(group, settings, key):
                finish(j, outcome)
            group = []
            if stop.is_set():
                return
        group.append((i, received))
    if group:
        for j, outcome in _ingest_group(group, settings, key):
            finish(j, outcome)


def _contracts_of(paths: list[Path], feed_id: str | None, settings: Settings) -> list[Contract | None]:
    """Each file's contract (by ``feed_id``, or its name); None where the name matches no feed."""
    contracts: list[Contract | None] = []
    for path in paths:
        try:
            contracts.append(contract_for_feed(settings.contracts_dir, feed_id) if feed_id
                             else contract_for_file(settings.contracts_dir, path.name))
        except ValueError:
            contracts.append(None)
    return contracts


def _delivery_lanes(paths: list[Path], contracts: list[Contract | None]) -> tuple[list[int], list[list[int]]]:
    """The opt-out lists' files, then every other feed's files, feeds largest first (bytes), each feed's files
    in the order given. A file whose feed cannot be told is a feed of its own (to be refused when received)."""
    optouts = [i for i, c in enumerate(contracts) if c and c.kind == "optout"]
    feeds: dict[str, list[int]] = {}
    for i, contract in enumerate(contracts):
        if not (contract and contract.kind == "optout"):
            feeds.setdefault(contract.feed_id if contract else f"?{i}", []).append(i)
    return optouts, sorted(feeds.values(), key=lambda indices: -sum(_size(paths[i]) for i in indices))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _receive(path: Path, feed_id: str | None, settings: Settings, landing_root: Path | None) -> Delivery | IngestResult:
    """The file-level checks. A duplicate is recorded and returned as its result; a refusal is recorded and
    raised; anything else is a Delivery whose rows are to be checked."""
    name = path.name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    file_checks.check_inside(path, landing_root or _delivery_folder(path, settings))
    file_checks.check_link(path, (settings.work_dir, settings.landing_dir, settings.inbox_dir))
    contract = (contract_for_feed(settings.contracts_dir, feed_id) if feed_id
                else _contract_or_reject(settings, name))
    scan = file_checks.scan_bytes(path, contract)  # one pass: checksum, encoding, layout (raised after the record)
    batch_id = new_batch_id(scan.sha256)
    with ledger_lock(settings):
        earlier = find_loaded(settings, scan.sha256, contract.feed_id)
    delivery = Delivery(path=path, contract=contract, scan=scan, batch_id=batch_id,
                        incoming=settings.staging_tmp_dir / batch_id,
                        claimed_at=f"{claimed_at(path, settings) or datetime.now(UTC):{TIME_FORMAT}}")
    if earlier:
        return record_duplicate(settings, ledger_base(delivery), earlier, path)
    try:
        scan.raise_problem()
        delivery.manifest = file_checks.read_manifest(path, contract)
        file_checks.check_manifest_checksum(name, delivery.manifest, scan.sha256)
        delivery.declared = _declaration(contract, name, delivery.manifest)
        if contract.file.format == "csv":
            match = file_checks.check_header(name, file_checks.read_csv_header(path, contract), contract)
            delivery.header, delivery.extra, delivery.warnings = match.header, match.extra, match.warnings
        elif contract.file.format == "xlsx":
            check_workbook(path, contract)
    except FileRejected as exc:
        record_refusal(settings, delivery, exc)
        raise
    return delivery


def _declaration(contract: Contract, name: str, manifest: dict | None) -> dict:
    try:
        return declared(contract, name, manifest).as_ledger()
    except DeclarationError as exc:
        raise FileRejected(name, "file.period", str(exc)) from None


def _joins(group: list[tuple[int, Delivery]], delivery: Delivery) -> bool:
    """Whether a file can join the group being gathered: same parse key, within GROUP_MAX_BYTES / _FILES."""
    key = _group_key(delivery)
    size = sum(d.scan.size_bytes for _, d in group) + delivery.scan.size_bytes
    return (key is not None and key == _group_key(group[0][1]) and size <= GROUP_MAX_BYTES
            and len(group) < GROUP_MAX_FILES)


def _group_key(delivery: Delivery) -> tuple | None:
    """Files with equal keys can be parsed by one statement: UTF-8 CSV of one record per line, same feed and
    header, same need to trim cells. None: the file is read alone."""
    file = delivery.contract.file
    if file.format != "csv" or file.encoding != "utf-8" or delivery.scan.data_lines is None:
        return None
    return delivery.contract.feed_id, tuple(delivery.header or ()), delivery.scan.padded_cells


def _ingest_group(group: list[tuple[int, Delivery]], settings: Settings, key: bytes) -> list[tuple[int, Outcome]]:
    """Check and write a group's rows, then commit or record each file. A group that fails as a whole (the
    parser gave up on one of its files, say) is done again one file at a time."""
    deliveries = [d for _, d in group]
    try:
        checked = check_and_write(deliveries, settings, key)
    except Exception as exc:  # noqa: BLE001 - a file alone gets the exception as its outcome
        _discard(deliveries)
        if len(group) == 1:
            return [(group[0][0], exc)]
        log.info("a group of %d %s files failed as a whole (%s): checking them one by one",
                 len(group), deliveries[0].contract.feed_id, str(exc).splitlines()[0][:200])
        return [outcome for item in group for outcome in _ingest_group([item], settings, key)]
    except BaseException:
        _discard(deliveries)
        raise
    outcomes: list[tuple[int, Outcome]] = []
    for k, (i, delivery) in enumerate(group):
        if k in checked.alone:
            outcomes += _ingest_group([(i, delivery)], settings, key)
            continue
        found = checked.outcomes[k]
        try:
            if isinstance(found, FileRejected):
                record_refusal(settings, delivery, found)
                outcomes.append((i, found))
            else:
                outcomes.append((i, commit(settings, delivery, found)))
        except BaseException:
            _discard(deliveries[k:])
            raise
    return outcomes


def _discard(deliveries: list[Delivery]) -> None:
    """An unexpected failure leaves no partial batch behind (and no ledger row)."""
    for delivery in deliveries:
        shutil.rmtree(delivery.incoming, ignore_errors=True)


def _delivery_folder(path: Path, settings: Settings) -> Path | None:
    """The folder a file sits in when that is under landing or the inbox (judged without following a symlink
    in the file's own name), so a symlink delivered there cannot point outside it."""
    folder = Path(os.path.realpath(path.parent))
    for root in (settings.inbox_dir, settings.landing_dir):
        if folder.is_relative_to(root.resolve()):
            return folder
    return None


def _contract_or_reject(settings: Settings, name: str) -> Contract:
    try:
        return contract_for_file(settings.contracts_dir, name)
    except ValueError as exc:
        raise FileRejected(name, "file.name", str(exc).split(": rule file.name: ")[-1]) from None


