"""Read a delivered file as text columns into the typed table of the row checks, with physical line numbers.

Everything arrives as text; typing is a row check (rules in ingest.row_checks), so a bad value quarantines
one row instead of failing the file. Each reader hands a relation of text columns to ``build`` (which returns
the statement creating ``typed_rows``) and then exposes view ``typed``: ``typed_rows`` plus ``_rid`` (its
rowid), ``_file`` (the file's index in its group: several CSV files of one feed can be read by one statement)
and ``_line``, the physical line (CSV) or sheet row (XLSX) of each record. CSV parse failures (too few or too
many fields, over-long lines) become rejected rows with their physical line numbers.
"""

from __future__ import annotations

import codecs
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
from python_calamine import CalamineError

from config.contracts import Contract
from ingest import engine
from ingest.errors import FileRejected
from ingest.line_ends import copy_with_lf_ends
from ingest.lines import accepted_record_lines, lines_at_offsets
from ingest.row_checks import lit
from ingest.workbook_checks import unreadable_sheet

SOURCE_TABLE = "src"
PARSE_REJECTS_TABLE = "parse_rejects"
SCAN_REJECTS_TABLE = "_scan_rejects"
SCAN_TABLE = "_scan"  # the files' rows as read, every column as text (readers._scan_and_type)
TYPED_ROWS = "typed_rows"
TYPED = "typed"
# A record longer than this is a parse reject (csv.line_size_over_maximum).
MAX_LINE_BYTES = 4_000_000
# Files with one record per line are first parsed in small buffers, so a file of a few MB is already split
# between both cores (DuckDB's default buffer is larger than most monthly extracts, which then parse on one
# thread). A record longer than a small buffer can vanish without a reject there, so that parse is kept only when
# it accepted every data line of the file and rejected none; otherwise the file is parsed again with the default
# buffer, which reports every over-long line, so the outcome never depends on which parse ran.
FAST_MAX_LINE_BYTES = 1024 * 1024
FAST_BUFFER_BYTES = 2 * FAST_MAX_LINE_BYTES

Build = Callable[[str, tuple[str, ...]], str]  # (source relation, columns it carries) -> CREATE typed_rows


@dataclass
class ReadResult:
    """Per file of the group, in order: records parsed and records the parser rejected; and the files of a
    group left out (their rows removed) because they need a parse of their own."""

    rows_parsed: list[int]
    rows_unparseable: list[int]
    excluded: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # of a file read alone (e.g. its line ends mix)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _to_utf8(path: Path, encoding: str, tmp_dir: Path) -> Path:
    """Stream-transcode a non-UTF-8 text file (DuckDB reads UTF-8 natively)."""
    if encoding == "utf-8":
        return path
    target = tmp_dir / (path.name + ".utf8")
    with open(path, "rb") as src, open(target, "wb") as dst:
        reader = codecs.getreader(encoding)(src)
        writer = codecs.getwriter("utf-8")(dst)
        shutil.copyfileobj(reader, writer, 1024 * 1024)
    return target


def _scan_and_type(con: duckdb.DuckDBPyConnection, build: Build, text_paths: list[Path], columns: str,
                   delimiter: str, fast: bool) -> int:
    """Read one or more files into temp table ``_scan`` (every column as text, plus ``_file``: the file's index
    in the list), parse failures kept in the rejects table; create ``typed_rows`` from it, each row with ``_n``,
    the record's place in the scan counted from 0 (files in list order, each file's records in file order); free
    the scan's rows. Returns the rows typed.

    ``_n`` is numbered at the scan, because nothing later keeps the scan's order: typing and the rule checks (a
    code list is a join) may emit the rows of a large file in another order, so a rowid of ``typed_rows`` is no
    record number (it was, for a few row groups, which is how line numbers of large files came out wrong). It is
    ``_scan``'s rowid: a table made from a plain scan with ``preserve_insertion_order`` (set by ingest.engine)
    holds the rows in the order read, while the parse itself runs on every core. Numbering in the same statement
    as the typing (``row_number() over ()``) kept the parse, the typing and the checks on one thread: twice the
    time of a GP register file."""
    sizes = (f"max_line_size={FAST_MAX_LINE_BYTES}, buffer_size={FAST_BUFFER_BYTES}" if fast
             else f"max_line_size={MAX_LINE_BYTES}")
    files = "[" + ", ".join(lit(str(p)) for p in text_paths) + "]"
    con.execute(f"create or replace temp table {SCAN_TABLE} as select *, file_index as _file from read_csv({files}, "
                f"header=true, auto_detect=false, "
                f"columns={columns}, delim={lit(delimiter)}, quote='\"', escape='\"', "
                f"store_rejects=true, ignore_errors=true, rejects_table='{PARSE_REJECTS_TABLE}', "
                f"rejects_scan='{SCAN_REJECTS_TABLE}', null_padding=false, strict_mode=true, {sizes})")
    ((typed,),) = con.execute(build(f"(select *, rowid as _n from {SCAN_TABLE})", ("_file", "_n"))).fetchall()
    con.execute(f"drop table {SCAN_TABLE}")
    return typed


def _parse(con: duckdb.DuckDBPyConnection, path: Path, text_path: Path, columns: str, contract: Contract,
           build: Build) -> tuple[int, set[int]]:
    """Parse, type and flag the file with the default buffer (which reports every over-long line); return the
    records accepted and the physical lines rejected."""
    con.execute(f"drop table if exists {PARSE_REJECTS_TABLE}; drop table if exists {SCAN_REJECTS_TABLE}")
    with _whole_file_refusal(path):
        parsed = _scan_and_type(con, build, [text_path], columns, contract.file.delimiter, fast=False)
    if not _physical_reject_lines(con, text_path):
        return parsed, set()
    rejected = {int(r[0]) for r in con.execute(f"select distinct line from {PARSE_REJECTS_TABLE}").fetchall()}
    return parsed, rejected


@contextmanager
def _whole_file_refusal(path: Path) -> Iterator[None]:
    try:
        yield
    except duckdb.InvalidInputException as exc:  # the parser gave up on the whole file (e.g. mixed line ends)
        raise FileRejected(path.name, "file.parse", "the CSV parser could not read the file as a whole",
                           expected="RFC 4180 CSV with one line-ending style throughout",
                           found=str(exc).splitlines()[0][:300]) from None


def _columns(header: list[str]) -> str:
    names = [h if h else f"_unnamed_{i}" for i, h in enumerate(header, start=1)]
    return "{" + ", ".join(f"'{n.replace(chr(39), chr(39) * 2)}': 'VARCHAR'" for n in names) + "}"


def read_csv(con: duckdb.DuckDBPyConnection, path: Path, header: list[str], contract: Contract,
             tmp_dir: Path, build: Build, data_lines: int | None = None) -> ReadResult:
    """Parse, type and flag one file in one DuckDB pass; number its records by physical line.

    ``data_lines`` is the number of lines after the header when every line is one record (no quote character,
    no blank line: known from the byte scan), else None. Then the file is first read as a group of one (small
    buffers, record ``k`` on line ``k + 2``); if that parse rejected anything or missed a line, the file is
    parsed again with the default buffer and its lines are numbered from the file. A file the parser gives up
    on because its line ends mix CRLF and LF is read again from a copy with one line end (ingest.line_ends).
    """
    text_path = _to_utf8(path, contract.file.encoding, tmp_dir)
    try:
        return _read_text(con, path, text_path, header, contract, build, data_lines)
    except FileRejected as exc:
        if exc.rule != "file.parse":
            raise
        unified = tmp_dir / (path.name + ".lf")
        ends = copy_with_lf_ends(text_path, unified)
        if not ends.mixed:
            raise
    read = _read_text(con, path, unified, header, contract, build, data_lines)
    read.warnings.append(ends.warning())
    return read


def _read_text(con: duckdb.DuckDBPyConnection, path: Path, text_path: Path, header: list[str],
               contract: Contract, build: Build, data_lines: int | None) -> ReadResult:
    """``read_csv`` of a UTF-8 file (``path`` names the delivery in a refusal)."""
    columns = _columns(header)
    if data_lines is not None:
        with _whole_file_refusal(path):
            read = read_csv_group(con, [text_path], header, contract, build, [data_lines])
        if not read.excluded:
            return read
    parsed, rejected_lines = _parse(con, path, text_path, columns, contract, build)
    lines = accepted_record_lines(text_path, rejected_lines, None if data_lines is None else data_lines + 1)
    if len(lines) != parsed:  # never guess a line number: fall back to record order, which is exact w/o blanks
        lines = np.arange(2, parsed + 2)
    # each record joined to its physical line by its place in the scan
    engine.temp_table(con, "_lines", {"_rid": np.arange(parsed, dtype="int64"), "_line": lines.astype("int64")})
    con.execute(f"create or replace temp view {TYPED} as "
                f"select r.*, r.rowid as _rid, l._line from {TYPED_ROWS} r join _lines l on r._n = l._rid")
    return ReadResult(rows_parsed=[parsed], rows_unparseable=[len(rejected_lines)])


def read_csv_group(con: duckdb.DuckDBPyConnection, paths: list[Path], header: list[str], contract: Contract,
                   build: Build, data_lines: list[int]) -> ReadResult:
    """Parse, type and flag several UTF-8 files of one feed with the same header in one DuckDB pass.

    Every file has one record per line (``data_lines`` known from the byte scan), so record ``k`` of a file is on
    line ``k + 2``: a file's line is its scan number ``_n`` less its first, provided its records are consecutive
    numbers (checked). A file the parser rejected anything in, that parsed to another number of
    records, or whose records are not consecutive is left out (its rows removed) and reported in ``excluded``,
    to be read alone with the full line accounting. Planning and starting one statement
    costs tens of milliseconds, most of the cost of a small file: a group pays it once.
    """
    con.execute(f"drop table if exists {PARSE_REJECTS_TABLE}; drop table if exists {SCAN_REJECTS_TABLE}")
    _scan_and_type(con, build, paths, _columns(header), contract.file.delimiter, fast=True)
    found = {k: (n, first, last) for k, n, first, last in con.execute(
        f"select _file, count(*), min(_n), max(_n) from {TYPED_ROWS} group by _file").fetchall()}
    index = {str(p): k for k, p in enumerate(paths)}
    rejected = {index[r[0]] for r in con.execute(
        f"select distinct s.file_path from {PARSE_REJECTS_TABLE} e join {SCAN_REJECTS_TABLE} s "
        "using (scan_id, file_id)").fetchall()}

    def numbered(k: int) -> bool:  # every data line parsed, and the file's records are consecutive numbers
        n, first, last = found.get(k, (0, 0, -1))
        return k not in rejected and n == data_lines[k] and (n == 0 or last - first + 1 == n)

    excluded = [k for k in range(len(paths)) if not numbered(k)]
    if excluded:
        con.execute(f"delete from {TYPED_ROWS} where _file in ({', '.join(map(str, excluded))})")
    offsets = "[" + ", ".join(str(found.get(k, (0, 0, 0))[1]) for k in range(len(paths))) + "]::bigint[]"
    con.execute(f"create or replace temp view {TYPED} as select *, rowid as _rid, "
                f"_n - list_extract({offsets}, (_file + 1)::bigint) + 2 as _line from {TYPED_ROWS}")
    parsed = [0 if k in excluded else found.get(k, (0, 0, 0))[0] for k in range(len(paths))]
    return ReadResult(rows_parsed=parsed, rows_unparseable=[0] * len(paths), excluded=excluded)


def _physical_reject_lines(con: duckdb.DuckDBPyConnection, text_path: Path) -> bool:
    """Replace DuckDB's record-counting ``line`` in the rejects table by the physical line (quoted newlines
    count). False when the parser rejected nothing."""
    positions = [r[0] for r in con.execute(
        f"select distinct line_byte_position from {PARSE_REJECTS_TABLE}").fetchall()]
    if not positions:
        return False
    physical = lines_at_offsets(text_path, np.array(positions, dtype=np.int64))
    engine.temp_table(con, "_reject_lines", {"pos": np.array(positions, dtype="int64"),
                                             "physical": np.asarray(physical, dtype="int64")})
    con.execute(f"create or replace temp table {PARSE_REJECTS_TABLE} as "
                f"select r.* replace (m.physical::ubigint as line) from {PARSE_REJECTS_TABLE} r "
                "join _reject_lines m on r.line_byte_position = m.pos")
    return True


def _cell_text(value: object, contract: Contract, timestamp: type) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, timestamp) or hasattr(value, "strftime"):
        ts = timestamp(value)
        if ts == ts.normalize():
            return ts.strftime(contract.file.date_format)
        return ts.strftime(contract.file.timestamp_format)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def name_source_columns(con: duckdb.DuckDBPyConnection, delivered: list[str], matched: list[str]) -> None:
    """Give the columns of ``src`` the contract's names where the delivered header spelled them in another case."""
    for old, new in zip(delivered, matched, strict=False):
        if old != new:
            con.execute(f"alter table {SOURCE_TABLE} rename column {_quote(old)} to {_quote(new)}")


def type_source(con: duckdb.DuckDBPyConnection, build: Build) -> None:
    """Type and flag the rows of ``src`` (XLSX, Parquet: it carries ``_line``) and expose them as view ``typed``."""
    con.execute(build(SOURCE_TABLE, ("_line",)))
    con.execute(f"create or replace temp view {TYPED} as select *, rowid as _rid, 0::bigint as _file "
                f"from {TYPED_ROWS}")


def _no_parse_rejects(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create or replace temp table {PARSE_REJECTS_TABLE} as "
                "select 0::bigint as line, 0::ubigint as column_idx, ''::varchar as error_type, "
                "''::varchar as error_message where false")


def read_xlsx(con: duckdb.DuckDBPyConnection, path: Path, contract: Contract) -> tuple[list[str], ReadResult]:
    import pandas as pd  # imported on use: only workbooks need it, and it adds about 40 MB to a process

    sheet = contract.file.sheet if contract.file.sheet else 0
    try:
        frame = pd.read_excel(path, sheet_name=sheet, engine="calamine", dtype=object, header=0)
    except CalamineError as exc:  # the workbook opened in the file checks; its sheet's XML is damaged
        raise unreadable_sheet(path.name, sheet, exc) from None
    header = [str(c).strip() for c in frame.columns]
    frame.columns = header
    frame = frame.dropna(how="all")
    text = frame.apply(lambda col: col.map(lambda v: _cell_text(v, contract, pd.Timestamp)))
    text = text.astype("string")
    text["_line"] = (frame.index.to_numpy() + 2).astype("int64")  # Excel row number (header is row 1)
    con.register("_xlsx_df", text)
    con.execute(f"create or replace temp table {SOURCE_TABLE} as select * from _xlsx_df")
    con.unregister("_xlsx_df")
    _no_parse_rejects(con)
    return header, ReadResult(rows_parsed=[len(text)], rows_unparseable=[0])


def read_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[list[str], ReadResult]:
    header = [r[0] for r in con.execute("select name from parquet_schema(?) where num_children is null",
                                        [str(path)]).fetchall()]
    casts = ", ".join(f"cast({_quote(h)} as varchar) as {_quote(h)}" for h in header)
    con.execute(f"create or replace temp table {SOURCE_TABLE} as "
                f"select {casts}, (row_number() over ())::bigint + 1 as _line from read_parquet(?)", [str(path)])
    _no_parse_rejects(con)
    rows = con.execute(f"select count(*) from {SOURCE_TABLE}").fetchall()[0][0]
    return header, ReadResult(rows_parsed=[rows], rows_unparseable=[0])
