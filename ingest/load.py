"""Ingest one delivered file: file checks -> row checks -> opt-outs -> pseudonyms -> raw batch -> ledger row.

Nothing partial is ever visible: batches are written under ``lake/_incoming`` and renamed into the lake, and
the ledger row (the commit point) is written last. The same bytes delivered twice are skipped by checksum.
Ingest never opens the warehouse.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from ingest import engine, file_checks, readers, row_checks
from ingest.claim import is_claimed
from ingest.contract import Contract, contract_for_feed, contract_for_file
from ingest.errors import FileRejected
from ingest.ledger import find_loaded, ledger_lock, write_entry
from ingest.pseudonymise import PendingPseudonyms
from ingest.reference import load_reference_tables
from ingest.transform_sql import accepted_rows_sql, optout_persons_sql
from outcomes.settings import Settings, get_pseudonym_key, get_settings

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
    period_start: str | None = None
    period_end: str | None = None
    periods: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicate_of: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        if self.status == "duplicate":
            return f"{self.file}: skipped, the same bytes were already loaded as batch {self.duplicate_of}"
        text = (f"{self.file}: loaded {self.rows_accepted:,} of {self.rows_received:,} rows into {self.feed_id} "
                f"(quarantined {self.rows_rejected:,}, opted out {self.rows_opted_out:,}; "
                f"periods {self.period_start} to {self.period_end})")
        return text + "".join(f"; warning: {w}" for w in self.warnings)


def new_batch_id(sha256: str) -> str:
    """Sorts by load time; the random tail keeps two deliveries in the same microsecond apart."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}_{sha256[:12]}_{secrets.token_hex(2)}"


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


def ingest_file(path: str | Path, feed_id: str | None = None, settings: Settings | None = None,
                landing_root: Path | None = None) -> IngestResult:
    """Ingest one file. Raises FileRejected (a data error) when the file as a whole is refused."""
    settings = settings or get_settings()
    key = get_pseudonym_key()  # refuse to start without a key, before touching anything
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    file_checks.check_inside(path, landing_root or _delivery_folder(path, settings))
    contract = (contract_for_feed(settings.contracts_dir, feed_id) if feed_id
                else _contract_or_reject(settings, name))
    scan = file_checks.scan_bytes(path, contract)  # one pass: checksum, encoding, layout (raised after the record)
    sha = scan.sha256
    batch_id = new_batch_id(sha)
    sweep_incoming(settings)
    received_at = datetime.now(UTC).isoformat()
    base = {"batch_id": batch_id, "feed_id": contract.feed_id, "organisation": contract.organisation,
            "file": name, "sha256": sha, "size_bytes": scan.size_bytes, "received_at": received_at}

    with ledger_lock(settings):
        earlier = find_loaded(settings, sha, contract.feed_id)
    if earlier:
        return _record_duplicate(settings, base, earlier, path)

    incoming = settings.staging_tmp_dir / batch_id
    try:
        result, counts = _validate_and_write(path, contract, settings, key, batch_id, incoming, scan)
    except FileRejected as exc:
        shutil.rmtree(incoming, ignore_errors=True)
        write_entry(settings, {**base, "status": "rejected", "reason": exc.describe(), "rule": exc.rule,
                               "line": exc.line, "finished_at": datetime.now(UTC).isoformat(),
                               "periods": [], "rows_received": getattr(exc, "rows_received", None)})
        _archive(path, settings, contract.feed_id, batch_id)
        raise
    except BaseException:  # an unexpected failure leaves no partial batch behind (and no ledger row)
        shutil.rmtree(incoming, ignore_errors=True)
        raise

    with ledger_lock(settings):
        earlier = find_loaded(settings, sha, contract.feed_id)  # a twin delivery may have won the race
        if earlier:
            shutil.rmtree(incoming, ignore_errors=True)
            return _record_duplicate(settings, base, earlier, path)
        raw_target = settings.raw_dir / contract.feed_id / f"batch_id={batch_id}"
        quarantine_target = settings.quarantine_dir / contract.feed_id / f"batch_id={batch_id}"
        for sub, target in (("raw", raw_target), ("quarantine", quarantine_target)):
            if (incoming / sub).exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(incoming / sub, target)
        shutil.rmtree(incoming, ignore_errors=True)
        write_entry(settings, {**base, **counts, "status": "loaded", "reason": None,
                               "finished_at": datetime.now(UTC).isoformat(),
                               "raw_path": str(raw_target) if result.rows_accepted else None,
                               "quarantine_path": str(quarantine_target)
                               if result.rows_rejected else None})
    _archive(path, settings, contract.feed_id, batch_id)
    log.info(result.summary())
    return result


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


def _record_duplicate(settings: Settings, base: dict, earlier: dict, path: Path) -> IngestResult:
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
    target = settings.archive_dir / feed_id / batch_id
    target.mkdir(parents=True, exist_ok=True)
    for item in path.parent.glob(path.name + "*"):
        os.replace(item, target / item.name)


def _validate_and_write(path: Path, contract: Contract, settings: Settings, key: bytes, batch_id: str,
                        incoming: Path, scan: file_checks.ByteScan) -> tuple[IngestResult, dict]:
    name, sha = path.name, scan.sha256
    scan.raise_problem()
    manifest = file_checks.read_manifest(path, contract)
    file_checks.check_manifest_checksum(name, manifest, sha)
    incoming.mkdir(parents=True, exist_ok=True)
    load_reference_tables(settings, contract)
    con = engine.connect(settings)

    def build(source: str, carry_line: bool) -> str:
        return row_checks.build_typed(contract, source, settings.allow_test_nhs_numbers, carry_line,
                                      trim=scan.padded_cells)

    pseudonyms = None
    try:
        if contract.file.format == "csv":
            header = file_checks.read_csv_header(path, contract)
            extra = file_checks.check_header(name, header, contract)
            read = readers.read_csv(con, path, header, contract, incoming, build, scan.data_lines)
        else:
            header, read = (readers.read_xlsx(con, path, contract) if contract.file.format == "xlsx"
                            else readers.read_parquet(con, path))
            extra = file_checks.check_header(name, header, contract)
            readers.type_source(con, build)
        received = read.rows_parsed + read.rows_unparseable
        if received == 0:
            raise FileRejected(name, "file.no_rows", "the file has a header but no data rows",
                               expected="at least one row", found="0 rows")
        file_checks.check_row_count(name, manifest, received)

        personal = {row_checks.pseudonym_name(c): row_checks.text_col(c)
                    for c in contract.columns if c.personal == "pseudonymise"}
        pseudonyms = PendingPseudonyms(con, readers.TYPED_ROWS, personal, key) if personal else None
        con.execute(row_checks.build_violations(contract, settings.allow_test_nhs_numbers))
        rejected = read.rows_unparseable + con.execute(
            "select count(distinct _line) from violations").fetchall()[0][0]
        _check_rejection_rate(con, name, contract, received, rejected)

        optout_sql = optout_persons_sql(contract, settings)
        passed = received - rejected  # every violation is on a parsed row: no second count needed
        if pseudonyms:
            pseudonyms.register(con)
        raw_file = incoming / "raw" / "part-0.parquet"
        (incoming / "raw").mkdir()
        sql = accepted_rows_sql(contract, batch_id, name, optout_sql, settings.reference_dir)
        ((_, accepted, _, _, stats, *_),) = con.execute(  # COPY answers with the rows and statistics it wrote
            f"copy ({sql}) to '{raw_file}' (format parquet, compression snappy, return_stats true)").fetchall()
        opted_out = passed - accepted
        periods = _periods(con, raw_file, accepted, stats)
        if not accepted:
            shutil.rmtree(incoming / "raw")
        if rejected:
            (incoming / "quarantine").mkdir()
            con.execute(_quarantine_sql(batch_id, name, incoming / "quarantine" / "part-0.parquet"))
    finally:
        if pseudonyms:
            pseudonyms.close()
        con.close()
    period_end = _period_end(periods[-1], contract.period.grain) if periods else None
    result = IngestResult(batch_id=batch_id, feed_id=contract.feed_id, file=name, sha256=sha, status="loaded",
                          rows_received=received, rows_accepted=accepted, rows_rejected=rejected,
                          rows_opted_out=opted_out, period_start=periods[0] if periods else None,
                          period_end=period_end, periods=periods,
                          warnings=[f"extra column {c!r} not in the contract was ignored" for c in extra])
    counts = {k: getattr(result, k) for k in ("rows_received", "rows_accepted", "rows_rejected", "rows_opted_out",
                                              "period_start", "period_end", "periods", "warnings")}
    return result, counts


def _periods(con: duckdb.DuckDBPyConnection, raw_file: Path, accepted: int, stats: dict) -> list[str]:
    """The periods (YYYY-MM-DD) the written batch covers: from the writer's exact min and max when they agree
    (one period, the usual delivery), else read back from the batch."""
    if not accepted:
        return []
    period = stats.get('"_period"') or {}
    exact = period.get("min_is_exact") == "true" and period.get("max_is_exact") == "true"
    single = period.get("min") is not None and period.get("min") == period.get("max")
    if exact and single and period.get("null_count") == "0":
        return [period["min"]]
    return [r[0] for r in con.execute(
        "select distinct strftime(_period, '%Y-%m-%d') from read_parquet(?) order by 1", [str(raw_file)]).fetchall()]


def _check_rejection_rate(con: duckdb.DuckDBPyConnection, name: str, contract: Contract, received: int,
                          rejected: int) -> None:
    rate = rejected / received
    if rate <= contract.max_rejection_rate:
        return
    top = con.execute(
        "select rule_id, count(*) as n, min(_line) as first_line, any_value(value) from violations "
        "group by rule_id order by n desc limit 1"
    ).fetchall()[0]
    parse = con.execute(f"select count(*), min(line), any_value(error_message) "
                        f"from {readers.PARSE_REJECTS_TABLE}").fetchall()[0]
    if top is None or (parse[0] and parse[0] >= top[1]):
        rule, line, detail = "csv.parse", parse[1], f"{parse[0]:,} rows could not be parsed ({parse[2]})"
    else:
        rule, line, detail = top[0], top[2], f"{top[1]:,} rows broke rule {top[0]} (value {top[3]!r})"
    exc = FileRejected(name, "file.rejection_rate",
                       f"{rejected:,} of {received:,} rows ({rate:.1%}) failed row checks, over the contract's "
                       f"threshold of {contract.max_rejection_rate:.1%}; nothing was loaded. Most common: {detail}, "
                       f"first at line {line}", line=line, expected=f"at most {contract.max_rejection_rate:.1%}",
                       found=f"{rate:.1%} (rule {rule})")
    exc.rows_received = received
    raise exc


def _quarantine_sql(batch_id: str, name: str, target: Path) -> str:
    return (
        "copy (select _line::bigint as line, rule_id, column_name, value, message, "
        f"'{batch_id}' as batch_id, {row_checks.lit(name)} as file from violations "
        "union all select line::bigint, 'csv.' || lower(replace(error_type, ' ', '_')), null, null, "
        f"arg_min(error_message, column_idx), '{batch_id}', {row_checks.lit(name)} "
        f"from {readers.PARSE_REJECTS_TABLE} group by line, error_type "  # one row per line and parse error
        f"order by line, rule_id) to '{target}' (format parquet, compression zstd)"
    )


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
