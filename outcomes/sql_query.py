"""SQL for analysts on the read-only snapshot of the warehouse (``outcomes sql``): open it, run a statement, show the
result as a table or write it as CSV.

The snapshot (``settings.snapshot_path``) is a copy the build swaps in by atomic rename after every successful dbt
build, so it is never the file dbt is writing: a query runs while a rebuild holds the warehouse's lock, and a
connection already open keeps reading the copy it opened until it closes.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import duckdb

from config.settings import Settings

DEFAULT_MAX_ROWS = 1_000


class NoSnapshot(FileNotFoundError):
    """There is no snapshot to query yet; the message says how to make one."""


class SqlError(ValueError):
    """DuckDB refused a statement; the message is its first line (the statement is the analyst's own)."""


@dataclass
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    more: bool = False  # rows beyond those fetched were left unread


def open_snapshot(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the analysts' snapshot; NoSnapshot when no build has made one yet."""
    path = Path(settings.snapshot_path)
    if not path.exists():
        raise NoSnapshot(f"no analyst snapshot at {path}: run `outcomes build` (or `make demo`) to build the "
                         "warehouse and its snapshot first")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise SqlError(f"cannot open the snapshot {path}: {_first_line(exc)}") from exc


def run(con: duckdb.DuckDBPyConnection, sql: str, max_rows: int | None = None) -> Result:
    """Run ``sql`` (several statements run in turn; the last one's rows are returned). ``max_rows`` fetches at most
    that many rows and says whether more were left."""
    try:
        relation = con.execute(sql)
        if relation.description is None:  # a statement without a result (set, pragma)
            return Result([], [])
        columns = [d[0] for d in relation.description]
        if max_rows is None:
            return Result(columns, relation.fetchall())
        rows = relation.fetchmany(max_rows + 1)
    except duckdb.Error as exc:
        raise SqlError(_first_line(exc)) from exc
    return Result(columns, rows[:max_rows], more=len(rows) > max_rows)


def write_csv(result: Result, target: IO[str]) -> None:
    """The result as CSV with a header row (dates ISO, booleans true/false, nulls empty)."""
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([_csv_value(v) for v in row] for row in result.rows)


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return value


def export_csv(con: duckdb.DuckDBPyConnection, sql: str, path: str) -> int:
    """Write every row of ``sql`` as CSV to ``path`` (``-``: standard output); returns the number of rows."""
    result = run(con, sql)
    if path == "-":
        write_csv(result, sys.stdout)
    else:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            write_csv(result, handle)
    return len(result.rows)


def relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """Every table and view an analyst can query: (schema, name, kind), by schema and name."""
    return con.execute("""
        select table_schema, table_name, case table_type when 'VIEW' then 'view' else 'table' end
        from information_schema.tables
        where table_catalog = current_database() and table_schema not in ('information_schema', 'pg_catalog')
        order by 1, 2""").fetchall()


def columns_of(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple[str, str]]:
    """(column, type) of ``schema.table`` (or a table name unique across schemas); SqlError when there is none."""
    schema, _, table = name.rpartition(".")
    rows = con.execute("""
        select column_name, data_type from information_schema.columns
        where table_catalog = current_database() and table_name = ? and (? = '' or table_schema = ?)
        order by ordinal_position""", [table, schema, schema]).fetchall()
    if not rows:
        raise SqlError(f"no table or view {name!r}: `.tables` lists them")
    return rows


def _first_line(exc: BaseException) -> str:
    """DuckDB's message as one line: its first line, and its "Did you mean ..." hint when it has one."""
    lines = str(exc).strip().splitlines() or [type(exc).__name__]
    hints = [line for line in lines[1:] if line.startswith("Did you mean")]
    return " ".join(" ".join([lines[0], *hints[:1]]).split())
