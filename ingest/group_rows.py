"""Check and write the rows of a group of delivered files of one feed, each into its own incoming batch.

A group is one file, or several CSV files of one feed with the same header and one record per line. The whole
group is parsed, typed and checked by one statement, its violations explained by another, and its accepted rows
and quarantine written by one COPY each (partitioned by file): planning and starting a statement costs tens of
milliseconds, most of the cost of a small file, and a group pays it once. Every count, refusal, line number and
duplicate-key check stays per file (``_file``, the file's index in the group), so a file's outcome is the same
as if it had been ingested alone. A file of a group that the parser found anything wrong in is handed back to be
read alone, with the full line accounting.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np

from config.contracts import Contract
from config.settings import Settings
from ingest import engine, file_checks, readers, redact, row_checks
from ingest.errors import FileRejected
from ingest.reference import load_reference_tables
from ingest.repeated_rows import collapse_repeated_rows, collapsed_warning
from ingest.residence import rows_outside_england
from ingest.row_checks import lit
from ingest.transform_sql import FILES_TABLE, accepted_rows_sql, optout_persons_sql


@dataclass
class Delivery:
    """One delivered file past its file-level checks, waiting for its rows to be checked."""

    path: Path
    contract: Contract
    scan: file_checks.ByteScan
    batch_id: str
    incoming: Path  # this file's staging folder: raw/ and quarantine/ are renamed into the lake on commit
    manifest: dict | None = None
    header: list[str] | None = None  # CSV: read with the file checks; XLSX/Parquet: read with the rows
    extra: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # besides extra columns: header case, line ends, ...
    received_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    claimed_at: str | None = None  # when the file was claimed from landing (delivery order); see lake.current
    declared: dict = field(default_factory=dict)  # declared_period and version (lake.declared)

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class Written:
    """The counts and periods of a file whose batch (and quarantine, when any) is written under its incoming."""

    received: int
    rejected: int
    accepted: int
    opted_out: int
    periods: list[str]
    extra: list[str]
    warnings: list[str] = field(default_factory=list)
    collapsed: int = 0  # rows repeating an earlier row in every column (contract duplicate_rows: collapse)
    redactions: dict[str, int] = field(default_factory=dict)  # identifiers replaced in free text, by placeholder
    outside_england: int = 0  # accepted rows of residents outside England (ingest.residence)


@dataclass
class GroupOutcome:
    outcomes: dict[int, Written | FileRejected]  # by index in the group
    alone: list[int] = field(default_factory=list)  # files to read again on their own
    unparseable: dict[int, int] = field(default_factory=dict)  # records the parser rejected, by file


def check_and_write(group: list[Delivery], settings: Settings, key: bytes) -> GroupOutcome:
    """Check the rows of the group's files and write each live file's batch and quarantine under its incoming
    folder; the outcome of every file (written, or refused as a whole) and the files to read again alone."""
    contract = group[0].contract
    for delivery in group:
        delivery.incoming.mkdir(parents=True, exist_ok=True)
    load_reference_tables(settings, contract)
    con = engine.connect(settings)
    try:
        try:
            outcome, received = _read(con, group, settings)
        except FileRejected as exc:  # only a file read alone is refused while it is read
            return GroupOutcome(outcomes={0: exc})
        live = [k for k in range(len(group)) if k not in outcome.alone]
        live = _passing(outcome, live, lambda k: _check_counts(group[k], received[k]))
        if not live:
            return outcome
        collapsed = collapse_repeated_rows(con, contract)
        con.execute(row_checks.build_violations(contract, settings.allow_test_nhs_numbers))
        flagged = dict(con.execute("select _file, count(distinct _line) from violations group by _file").fetchall())
        rejected = {k: outcome.unparseable.get(k, 0) + flagged.get(k, 0) for k in live}
        parse_rejects = len(group) == 1  # a group's parse rejects belong to files read again alone
        live = _passing(outcome, live, lambda k: _check_rejection_rate(con, group[k].name, contract, received[k],
                                                                       rejected[k], k, parse_rejects,
                                                                       settings.allow_test_nhs_numbers))
        if not live:
            return outcome
        _register_files(con, group, live)
        redactions = redact.register_redacted(con, contract, live) if redact.redacted_columns(contract) else {}
        accepted, periods, outside = _write_accepted(con, contract, settings, group, key)
        if any(rejected[k] for k in live):
            _write_quarantine(con, group, parse_rejects)
        for k in live:
            passed = received[k] - rejected[k] - collapsed.get(k, 0)  # violations are on parsed, kept rows
            warnings = group[k].warnings + ([collapsed_warning(collapsed[k])] if collapsed.get(k) else [])
            outcome.outcomes[k] = Written(received=received[k], rejected=rejected[k], accepted=accepted.get(k, 0),
                                          opted_out=passed - accepted.get(k, 0), periods=periods.get(k, []),
                                          extra=group[k].extra, warnings=warnings, collapsed=collapsed.get(k, 0),
                                          redactions=redactions.get(k, {}), outside_england=outside.get(k, 0))
        return outcome
    finally:
        con.close()


def _passing(outcome: GroupOutcome, live: list[int], check: Callable[[int], None]) -> list[int]:
    """The files that pass ``check``; each one it refuses gets its refusal as its outcome."""
    passing = []
    for k in live:
        try:
            check(k)
        except FileRejected as exc:
            outcome.outcomes[k] = exc
        else:
            passing.append(k)
    return passing


def _register_files(con: duckdb.DuckDBPyConnection, group: list[Delivery], live: list[int]) -> None:
    """Temp table ``_files``: the files whose rows are written, with their batch ids and names."""
    engine.temp_table(con, FILES_TABLE, {"_file": np.array(live, dtype="int64"),
                                         "_batch": np.array([group[k].batch_id for k in live], dtype=object),
                                         "_name": np.array([group[k].name for k in live], dtype=object)})


def _build(contract: Contract, settings: Settings, trim: bool):
    def build(source: str, carry: tuple[str, ...]) -> str:
        return row_checks.build_typed(contract, source, settings.allow_test_nhs_numbers, carry, trim=trim)
    return build


def _read(con: duckdb.DuckDBPyConnection, group: list[Delivery],
          settings: Settings) -> tuple[GroupOutcome, list[int]]:
    """Parse and type the group into view ``typed``; the records received per file (parsed + unparseable)."""
    first = group[0]
    contract = first.contract
    build = _build(contract, settings, trim=first.scan.padded_cells)  # one value in a group (its key)
    outcome = GroupOutcome(outcomes={})
    if len(group) > 1:
        read = readers.read_csv_group(con, [d.path for d in group], first.header, contract, build,
                                      [d.scan.data_lines for d in group])
        outcome.alone = read.excluded
    elif contract.file.format == "csv":
        read = readers.read_csv(con, first.path, first.header, contract, first.incoming, build, first.scan.data_lines)
    else:
        header, read = (readers.read_xlsx(con, first.path, contract) if contract.file.format == "xlsx"
                        else readers.read_parquet(con, first.path))
        match = file_checks.check_header(first.name, header, contract)
        first.extra, first.warnings = match.extra, first.warnings + match.warnings
        readers.name_source_columns(con, header, match.header)
        readers.type_source(con, build)
    first.warnings = first.warnings + read.warnings
    outcome.unparseable = dict(enumerate(read.rows_unparseable))
    return outcome, [p + u for p, u in zip(read.rows_parsed, read.rows_unparseable, strict=True)]


def _check_counts(delivery: Delivery, received: int) -> None:
    try:
        if received == 0:
            raise FileRejected(delivery.name, "file.no_rows", "the file has a header but no data rows",
                               expected="at least one row", found="0 rows")
        file_checks.check_row_count(delivery.name, delivery.manifest, received)
    except FileRejected as exc:
        exc.rows_received = received
        raise


def _write_accepted(con: duckdb.DuckDBPyConnection, contract: Contract, settings: Settings, group: list[Delivery],
                    key: bytes) -> tuple[dict[int, int], dict[int, list[str]], dict[int, int]]:
    """COPY the accepted rows of the live files into each file's incoming ``raw/``; the rows written, the
    periods covered and the rows of residents outside England, per file. A group writes one folder per file
    (partitioned) and moves each file's parts to its own incoming; a file alone is streamed straight to its
    batch (a partitioned COPY holds its rows in memory until it writes them). The pseudonyms are made as the rows
    are written (ingest.pseudonymise)."""
    sql = accepted_rows_sql(contract, optout_persons_sql(contract, settings), engine.pseudonym_function(settings, key),
                            settings.reference_dir)
    if len(group) == 1:
        (group[0].incoming / "raw").mkdir()
        target = group[0].incoming / "raw" / "part-0.parquet"
        sql, options = f"select * exclude (_file) from ({sql})", ""
    else:
        target = group[0].incoming / "raw"  # under the group's first file; each file's parts move out
        options = ", partition_by (_file)"
    written = con.execute(  # COPY answers with a row per file written: its rows and column statistics
        f"copy ({sql}) to {lit(str(target))} (format parquet, compression snappy{options}, "
        "return_stats true)").fetchall()
    parts: dict[int, list[tuple[str, int, dict]]] = {}
    for filename, count, _size, _footer, stats, *_ in written:
        if count:
            k = 0 if len(group) == 1 else _partition(Path(filename).parent)
            parts.setdefault(k, []).append((filename, count, stats))
    if len(group) == 1:
        moved = {0: [target]} if parts else {}
        if not parts:
            shutil.rmtree(target.parent)
    else:
        moved = _spread(target, "raw", group)
    accepted = {k: sum(count for _, count, _ in files) for k, files in parts.items()}
    periods = {k: _periods(con, moved[k], [stats for _, _, stats in parts[k]]) for k in moved}
    outside = {k: rows_outside_england(con, contract, moved[k], [stats for _, _, stats in parts[k]]) for k in moved}
    return accepted, periods, outside


def _spread(target: Path, sub: str, group: list[Delivery]) -> dict[int, list[Path]]:
    """Move the parts of each partition ``target/_file=<k>/`` to ``<incoming of file k>/<sub>/part-<j>.parquet``;
    leave ``target`` only where it holds parts of its own file."""
    moved: dict[int, list[Path]] = {}
    for folder in sorted(target.iterdir()) if target.exists() else []:
        k = _partition(folder)
        files = sorted(folder.glob("*.parquet"))
        if not files:
            continue
        destination = group[k].incoming / sub
        destination.mkdir(exist_ok=True)
        moved[k] = [destination / f"part-{j}.parquet" for j in range(len(files))]
        for source, path in zip(files, moved[k], strict=True):
            source.rename(path)
        folder.rmdir()
    if target.exists() and not any(target.iterdir()):
        target.rmdir()
    return moved


def _partition(folder: Path) -> int:
    """The file index of a partitioned COPY's output folder, ``_file=<k>``."""
    return int(folder.name.split("=", 1)[1])


def _periods(con: duckdb.DuckDBPyConnection, files: list[Path], stats: list[dict]) -> list[str]:
    """The periods (YYYY-MM-DD) a written batch covers: from the writer's exact min and max when they agree
    (one period, the usual delivery), else read back from the batch."""
    found = set()
    for columns in stats:
        period = columns.get('"_period"') or {}
        exact = period.get("min_is_exact") == "true" and period.get("max_is_exact") == "true"
        if not (exact and period.get("null_count") == "0" and period.get("min") == period.get("max")):
            break
        found.add(period["min"])
    else:
        if len(found) == 1:
            return sorted(found)
    listed = ", ".join(lit(str(f)) for f in files)
    return [r[0] for r in con.execute(
        f"select distinct strftime(_period, '%Y-%m-%d') from read_parquet([{listed}]) order by 1").fetchall()]


def _write_quarantine(con: duckdb.DuckDBPyConnection, group: list[Delivery], parse_rejects: bool) -> None:
    """COPY the broken rows of the live files (rule, column, value, physical line), one folder per file, into
    each file's incoming ``quarantine/``."""
    parsed = (
        "union all select f._file, r.line::bigint, 'csv.' || lower(replace(r.error_type, ' ', '_')), null, null, "
        "arg_min(r.error_message, r.column_idx), f._batch, f._name "
        f"from {readers.PARSE_REJECTS_TABLE} r join {FILES_TABLE} f on f._file = 0 "
        "group by f._file, r.line, r.error_type, f._batch, f._name "  # one row per line and parse error
    ) if parse_rejects else ""
    target = group[0].incoming / "quarantine"
    con.execute(
        "copy (select v._file, v._line::bigint as line, v.rule_id, v.column_name, v.value, v.message, "
        f"f._batch as batch_id, f._name as file from violations v join {FILES_TABLE} f on f._file = v._file "
        f"{parsed}order by 1, line, rule_id) to {lit(str(target))} "
        "(format parquet, compression zstd, partition_by (_file))")
    _spread(target, "quarantine", group)


def _test_range_hint(con: duckdb.DuckDBPyConnection, contract: Contract, rule: str, broken: int, k: int) -> str:
    """When every row that broke an NHS Number rule holds a number of the NHS test range (999 000 0000 to
    999 999 9999, which only synthetic data uses), say so and name the setting that allows it."""
    column = next((c for c in contract.columns if c.check == "nhs_number" and rule == f"{c.name}.nhs_number"), None)
    if column is None:
        return ""
    in_range = con.execute(f"select count(*) from typed where _file = {k} and "
                           f"regexp_full_match({row_checks.q(column.name)}, '999[0-9]{{7}}')").fetchone()[0]
    if in_range < broken:
        return ""
    return (f"; all {broken:,} are in the NHS test range 999..., which a live deployment refuses: if this is "
            "synthetic data, set OUTCOMES_ALLOW_TEST_NHS_NUMBERS=1")


def _check_rejection_rate(con: duckdb.DuckDBPyConnection, name: str, contract: Contract, received: int,
                          rejected: int, k: int, parse_rejects: bool, allow_test_range: bool = False) -> None:
    rate = rejected / received
    if rate <= contract.max_rejection_rate:
        return
    rows = con.execute(
        "select rule_id, count(*) as n, min(_line) as first_line, any_value(value) from violations "
        f"where _file = {k} group by rule_id order by n desc limit 1").fetchall()
    top = rows[0] if rows else None
    parse = (con.execute(f"select count(*), min(line), any_value(error_message) "
                         f"from {readers.PARSE_REJECTS_TABLE}").fetchall()[0] if parse_rejects else (0, None, None))
    hint = ""
    if top is None or (parse[0] and parse[0] >= top[1]):
        rule, line, detail = "csv.parse", parse[1], f"{parse[0]:,} rows could not be parsed ({parse[2]})"
    else:
        rule, line, detail = top[0], top[2], f"{top[1]:,} rows broke rule {top[0]} (value {top[3]!r})"
        hint = "" if allow_test_range else _test_range_hint(con, contract, top[0], top[1], k)
    exc = FileRejected(name, "file.rejection_rate",
                       f"{rejected:,} of {received:,} rows ({rate:.1%}) failed row checks, over the contract's "
                       f"threshold of {contract.max_rejection_rate:.1%}; nothing was loaded. Most common: {detail}, "
                       f"first at line {line}{hint}", line=line, expected=f"at most {contract.max_rejection_rate:.1%}",
                       found=f"{rate:.1%} (rule {rule})")
    exc.rows_received = received
    raise exc
