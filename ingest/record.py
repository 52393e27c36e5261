"""What ingest records for a delivered file once its rows are checked: the batch and quarantine renamed into the
lake, the ledger row (loaded, refused or duplicate; the commit point, written last), the delivered file archived;
and the sweeps of what a killed ingest left behind (ingest.load runs them before it starts)."""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from config import names
from config.settings import Settings
from ingest.archive import archive_delivery
from ingest.claim import is_claimed
from ingest.errors import FileRejected
from ingest.group_rows import Delivery, Written
from lake.ledger import batch_ids, find_loaded, ledger_lock, write_entry

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    batch_id: str
    feed_id: str
    file: str
    sha256: str
    status: str  # loaded | duplicate
    rows_received: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_opted_out: int = 0
    rows_collapsed: int = 0  # repeats of an earlier row, where the contract collapses them (opt-out lists)
    rows_outside_england: int = 0  # accepted rows whose LSOA of residence is outside England (Wales)
    period_start: str | None = None
    period_end: str | None = None
    periods: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicate_of: str | None = None
    redactions: dict[str, int] = field(default_factory=dict)  # identifiers replaced in free text, by placeholder

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        if self.status == "duplicate":
            return f"{self.file}: skipped, the same bytes were already loaded as batch {self.duplicate_of}"
        text = (f"{self.file}: loaded {self.rows_accepted:,} of {self.rows_received:,} rows into {self.feed_id} "
                f"(quarantined {self.rows_rejected:,}, opted out {self.rows_opted_out:,}; "
                f"periods {self.period_start} to {self.period_end})")
        if self.rows_outside_england:
            text += f"; {self.rows_outside_england:,} rows of residents outside England (kept)"
        if self.redactions:
            found = ", ".join(f"{kind} {n:,}" for kind, n in self.redactions.items())
            text += f"; redacted {sum(self.redactions.values()):,} identifiers in free text ({found})"
        return text + "".join(f"; warning: {w}" for w in self.warnings)


STALE_INCOMING_SECONDS = 6 * 3600


def sweep_incoming(settings: Settings, max_age: float = STALE_INCOMING_SECONDS) -> list[Path]:
    """Remove batches a killed ingest left half-written (never visible: they have no ledger row)."""
    removed: list[Path] = []
    if not settings.staging_tmp_dir.exists():
        return removed
    cutoff = time.time() - max_age
    for item in settings.staging_tmp_dir.iterdir():
        if item.is_dir() and item.stat().st_mtime < cutoff:
            shutil.rmtree(item, ignore_errors=True)
            removed.append(item)
    return removed


def sweep_uncommitted(settings: Settings) -> list[Path]:
    """Remove raw and quarantine batch folders that have no ledger row: a run killed inside :func:`commit`,
    after renaming its batch into the lake and before writing the row, left them. The ledger lock is held, and a
    commit holds it from its first rename to its ledger row, so no batch being committed is ever removed."""
    removed: list[Path] = []
    with ledger_lock(settings):
        committed = batch_ids(settings)
        for root in (settings.raw_dir, settings.quarantine_dir):
            for folder in root.glob("*/batch_id=*") if root.is_dir() else []:
                if folder.name.removeprefix("batch_id=") not in committed:
                    log.warning("removing %s: a batch without a ledger row, left by an ingest that was killed",
                                folder)
                    shutil.rmtree(folder, ignore_errors=True)
                    removed.append(folder)
    return removed


def ledger_base(delivery: Delivery) -> dict:
    """The fields of a delivery's ledger row whatever its status (loaded, rejected, duplicate)."""
    contract = delivery.contract
    return {"batch_id": delivery.batch_id, "feed_id": contract.feed_id, "organisation": contract.organisation,
            "file": delivery.name, "sha256": delivery.scan.sha256, "size_bytes": delivery.scan.size_bytes,
            "received_at": delivery.received_at, "claimed_at": delivery.claimed_at,
            "replaces": contract.delivery.replaces, "declared_period": None, "version": None,
            **delivery.declared}


def record_refusal(settings: Settings, delivery: Delivery, exc: FileRejected) -> None:
    shutil.rmtree(delivery.incoming, ignore_errors=True)
    write_entry(settings, {**ledger_base(delivery), "status": "rejected", "reason": exc.describe(), "rule": exc.rule,
                           "line": exc.line, "finished_at": datetime.now(UTC).isoformat(),
                           "periods": [], "rows_received": getattr(exc, "rows_received", None)})
    _archive(delivery.path, settings, delivery.contract.feed_id, delivery.batch_id)


def commit(settings: Settings, delivery: Delivery, written: Written) -> IngestResult:
    """Rename the file's batch and quarantine into the lake and write its ledger row (the commit point)."""
    contract, batch_id, incoming = delivery.contract, delivery.batch_id, delivery.incoming
    periods = written.periods
    result = IngestResult(batch_id=batch_id, feed_id=contract.feed_id, file=delivery.name,
                          sha256=delivery.scan.sha256, status="loaded", rows_received=written.received,
                          rows_accepted=written.accepted, rows_rejected=written.rejected,
                          rows_opted_out=written.opted_out, rows_collapsed=written.collapsed,
                          rows_outside_england=written.outside_england,
                          period_start=periods[0] if periods else None,
                          period_end=_period_end(periods[-1], contract.period.grain) if periods else None,
                          periods=periods, redactions=written.redactions,
                          warnings=[f"extra column {c!r} not in the contract was ignored" for c in written.extra]
                          + written.warnings)
    counts = {k: getattr(result, k) for k in ("rows_received", "rows_accepted", "rows_rejected", "rows_opted_out",
                                              "rows_collapsed", "rows_outside_england", "period_start", "period_end",
                                              "periods", "warnings", "redactions")}
    base = ledger_base(delivery)
    with ledger_lock(settings):
        earlier = find_loaded(settings, delivery.scan.sha256, contract.feed_id)  # a twin may have won the race
        if earlier:
            shutil.rmtree(incoming, ignore_errors=True)
            return record_duplicate(settings, base, earlier, delivery.path)
        raw_target = names.raw_batch_folder(settings, contract.feed_id, batch_id)
        quarantine_target = names.quarantine_batch_folder(settings, contract.feed_id, batch_id)
        for sub, target in (("raw", raw_target), ("quarantine", quarantine_target)):
            if (incoming / sub).exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(incoming / sub, target)
        shutil.rmtree(incoming, ignore_errors=True)
        write_entry(settings, {**base, **counts, "status": "loaded", "reason": None,
                               "finished_at": datetime.now(UTC).isoformat(),
                               "raw_path": str(raw_target) if result.rows_accepted else None,
                               "quarantine_path": str(quarantine_target) if result.rows_rejected else None})
    _archive(delivery.path, settings, contract.feed_id, batch_id)
    log.info(result.summary())
    return result


def record_duplicate(settings: Settings, base: dict, earlier: dict, path: Path) -> IngestResult:
    write_entry(settings, {**base, "status": "duplicate", "duplicate_of": earlier["batch_id"],
                           "reason": f"same SHA-256 as batch {earlier['batch_id']} ({earlier['file']})",
                           "finished_at": datetime.now(UTC).isoformat(), "periods": []})
    _archive(path, settings, base["feed_id"], base["batch_id"])
    return IngestResult(batch_id=base["batch_id"], feed_id=base["feed_id"], file=base["file"],
                        sha256=base["sha256"], status="duplicate", duplicate_of=earlier["batch_id"],
                        periods=earlier.get("periods", []), period_start=earlier.get("period_start"),
                        period_end=earlier.get("period_end"))


def _archive(path: Path, settings: Settings, feed_id: str, batch_id: str) -> None:
    """Files claimed from landing move to the archive; files ingested from elsewhere are left alone."""
    if not is_claimed(path, settings) or not path.exists():
        return
    archive_delivery(path, settings, feed_id, batch_id)


def _period_end(period_start: str, grain: str) -> str:
    start = datetime.strptime(period_start, "%Y-%m-%d")
    match grain:
        case "month":
            nxt = start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1, day=1)
        case "year":
            nxt = start.replace(year=start.year + 1)
        case "week":
            nxt = start + timedelta(days=7)
        case _:
            nxt = start + timedelta(days=1)
    return (nxt - timedelta(days=1)).strftime("%Y-%m-%d")
