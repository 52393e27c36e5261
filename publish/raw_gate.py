"""Raw-level suites: each feed's rows in the lake checked against its contract, pushed down to DuckDB.

A suite per feed is generated from its contract (``config/contracts.py``): at least one row; no null in a column
the contract declares not nullable; codes from the contract's list; numbers within its min and max; and the
lake's own invariant, one row per primary key within a delivery (every key distinct: :data:`KEY`). The batch is
the rows of the feed's current deliveries (``lake.current``'s rule over the ledger), read by DuckDB from their raw
Parquet files.

Why SQL pushdown and not bounded batches: GX turns each expectation into an aggregate query that DuckDB streams
over the Parquet files, so memory stays bounded whatever the feed's size; and a key must be unique across the whole
feed, which no bounded batch can see. GX 1.24 fails every SQL expectation on duckdb-engine unless it keeps one
connection open (the result is fetched after the connection is returned): :func:`keep_duckdb_connection` adds
DuckDB to the dialects GX keeps a connection for (docs/publication.md, "Raw-level suites").

Personal columns are not checked here (ingest pseudonymised, derived or dropped them; ``lake.schema``).
"""

from __future__ import annotations

from typing import Any

from config.contracts import Contract
from config.settings import Settings
from lake.ledger import read_entries
from lake.schema import key_columns
from publish.suites import GX_VERSION

NUMERIC = {"integer", "decimal"}


class _DuckDBDialect(str):
    """Compares equal to duckdb-engine's dialect name and carries the ``value`` GX reads from its dialect enum."""

    value = "duckdb"


def keep_duckdb_connection() -> None:
    """Make GX keep one connection open for DuckDB, as it does for SQLite (STACK-NOTES.md, Great Expectations)."""
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine

    if "duckdb" not in engine._PERSISTED_CONNECTION_DIALECTS:
        engine._PERSISTED_CONNECTION_DIALECTS = (*engine._PERSISTED_CONNECTION_DIALECTS, _DuckDBDialect("duckdb"))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def current_files(settings: Settings) -> dict[str, list[str]]:
    """Each feed's raw Parquet files of its current deliveries (``lake.current``'s rule, applied to the ledger,
    read once): feeds with none are absent."""
    found: dict[str, list[str]] = {}
    for entry in read_entries(settings):
        if entry.get("current"):
            folder = settings.raw_dir / entry["feed_id"] / f"batch_id={entry['batch_id']}"
            found.setdefault(entry["feed_id"], []).extend(str(p) for p in folder.glob("*.parquet"))
    return {feed: sorted(files) for feed, files in found.items() if files}


#: The column of the suites' batch that holds each row's key within its delivery (``_batch_id`` and the contract's
#: primary key, as one value): the key check counts its distinct values in the same aggregate query as every other
#: check, one scan of the feed. GX's compound-uniqueness check counts each row's key with a window over every row
#: in a query of its own: 3.4 s against 1.7 s for the year's feeds (bench/results.md, issue 18, nineteenth round).
KEY = "_delivery_key"


def rows_query(contract: Contract, files: list[str]) -> str:
    """SQL: every row of the feed's current deliveries, straight from their raw Parquet ``files`` (resolved once
    from the ledger by :func:`current_files`, so each of GX's queries reads only those files), with its
    :data:`KEY`."""
    keys = _delivery_key_columns(contract)
    return f"select *, row({keys}) as {_q(KEY)} from {current_rows(files)}"


def _delivery_key_columns(contract: Contract) -> str:
    """SQL: the columns of a row's key within its delivery, ``_batch_id`` and the contract's primary key."""
    return ", ".join(_q(k) for k in ["_batch_id", *key_columns(contract)])


def current_rows(files: list[str]) -> str:
    """SQL (a table function): the rows of a feed's current deliveries, from their raw Parquet ``files``."""
    listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    return f"read_parquet([{listed}], union_by_name=true, hive_partitioning=false)"


def _expect(kind: str, description: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "description": description, "meta": {}, "severity": "critical"}


def checked_columns(contract: Contract):
    """The contract's columns as the lake holds them under their own names (personal ones are left to ingest)."""
    return [c for c in contract.columns if c.personal is None]


def raw_suite(contract: Contract) -> dict[str, Any]:
    feed = contract.feed_id
    e = [_expect("expect_table_row_count_to_be_between", f"{feed} has current rows", min_value=1)]
    for col in checked_columns(contract):
        if not col.nullable:
            e.append(_expect("expect_column_values_to_not_be_null", f"{feed}.{col.name} is never empty",
                             column=col.name))
        if col.codes and col.type == "varchar":
            e.append(_expect("expect_column_values_to_be_in_set", f"{feed}.{col.name} is one of the contract's "
                             "codes", column=col.name, value_set=list(col.codes)))
        if col.type in NUMERIC and (col.min is not None or col.max is not None):
            e.append(_expect("expect_column_values_to_be_between", f"{feed}.{col.name} is within the contract's "
                             f"range {col.min} to {col.max}", column=col.name, min_value=col.min,
                             max_value=col.max))
    e.append(_expect("expect_column_proportion_of_unique_values_to_be_between", f"{feed}: one row per "
                     f"{', '.join(key_columns(contract))} in each delivery", column=KEY, min_value=1))
    return {"name": f"raw.{feed}", "id": None, "meta": {"great_expectations_version": GX_VERSION, "generated_by":
            "publish/raw_gate.py"}, "notes": f"The current rows of {feed} in the lake, against its contract.",
            "expectations": e}


def duplicate_keys(contract: Contract, files: list[str], limit: int = 5) -> tuple[int, list[dict[str, Any]]]:
    """How many of the feed's keys (with their delivery) more than one current row (of ``files``) holds, and up to
    ``limit`` of them, each with its number of rows: for the key check's failure, whose result says only what share
    of the rows' keys are distinct."""
    import duckdb

    keys = _delivery_key_columns(contract)
    with duckdb.connect() as con:  # one grouping: each example carries how many keys there are
        found = con.execute(f"select *, count(*) over () as {_q('keys held')} from ("
                            f"select {keys}, count(*) as {_q('rows')} from {current_rows(files)} "
                            f"group by {keys} having count(*) > 1) order by all limit {int(limit)}")
        *names, _ = [d[0] for d in found.description]
        rows = found.fetchall()
    return (rows[0][-1] if rows else 0), [dict(zip(names, row[:-1], strict=True)) for row in rows]


def floor_query(contract: Contract, files: list[str]) -> str:
    """The same checks as :func:`raw_suite`, as one hand-written DuckDB query over the feed's current ``files``
    (the benchmark's floor): one row of counts of breaking rows."""
    parts = ["count(*) as row_count"]
    for col in checked_columns(contract):
        name = _q(col.name)
        if not col.nullable:
            parts.append(f"count(*) filter (where {name} is null) as {_q(col.name + ' null')}")
        if col.codes and col.type == "varchar":
            codes = ", ".join("'" + c.replace("'", "''") + "'" for c in col.codes)
            parts.append(f"count(*) filter (where {name} not in ({codes})) as {_q(col.name + ' codes')}")
        if col.type in NUMERIC and (col.min is not None or col.max is not None):
            low = f"{name} < {col.min}" if col.min is not None else "false"
            high = f"{name} > {col.max}" if col.max is not None else "false"
            parts.append(f"count(*) filter (where {low} or {high}) as {_q(col.name + ' range')}")
    keys = _delivery_key_columns(contract)
    return (f"with rows as (select * from {current_rows(files)}), "
            f"dupes as (select count(*) - count(distinct ({keys})) as duplicate_keys from rows) "
            f"select {', '.join(parts)}, (select duplicate_keys from dupes) as duplicate_keys from rows")


def delivered_feeds(contracts: tuple[Contract, ...], files: dict[str, list[str]]) -> list[Contract]:
    """The contracts whose feed has current deliveries in the lake (``files``: :func:`current_files`)."""
    return [c for c in contracts if files.get(c.feed_id)]
