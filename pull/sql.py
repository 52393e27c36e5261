"""Pulling a feed's extract from a SQL database (the ICB's own warehouse), with Airflow's Postgres provider.

One extract per period (the cadence's period that ended when the pull DAG run was due, start inclusive, end
exclusive: ``outcomes.feed_pull.period_before``): the contract's ``query`` with the bound parameters
``%(period_start)s`` / ``%(period_end)s``, or every contract column of ``table`` whose ``incremental_column`` falls
in the period. Rows stream through a server-side cursor in batches into a CSV under a temporary name (bounded
memory: never the whole table in pandas), its manifest sidecar (row count, sha256) is written, and only then does
the extract take its name in landing, named like a partner's file for the period. Pulling a period again gives the
same bytes when its rows have not changed: ingest records a duplicate.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from config.contracts import Contract, SqlSource
from ingest.zone import write_private_text
from pull.connections import get_connection
from pull.errors import SourceMisconfigured, SourceUnavailable
from pull.landing import Landed, land_stream, safe_name

BATCH_ROWS = 5_000
_REFUSED = re.compile(r"authentication failed|role .* does not exist|database .* does not exist|no password|"
                      r"permission denied", re.IGNORECASE)


def _source(contract: Contract) -> SqlSource:
    assert isinstance(contract.source, SqlSource), contract.feed_id
    return contract.source


@contextmanager
def _translated(contract: Contract) -> Iterator[None]:
    """The database driver's errors as SourceMisconfigured (never retried) or SourceUnavailable (retried)."""
    import psycopg

    source = _source(contract)
    where = f"feed {contract.feed_id}: database (Airflow connection {source.connection!r})"
    try:
        yield
    except psycopg.OperationalError as exc:
        reason = " ".join(str(exc).split())
        if _REFUSED.search(reason):
            raise SourceMisconfigured(f"{where}: the database refused the connection's credentials: {reason}"
                                      ) from None
        raise SourceUnavailable(f"{where}: cannot reach the database ({reason}), retrying later") from exc
    except psycopg.Error as exc:  # a wrong query, table or column: retrying cannot help
        raise SourceMisconfigured(f"{where}: the extract failed: {' '.join(str(exc).split())}") from None


@contextmanager
def database(contract: Contract) -> Iterator[Any]:
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    source = _source(contract)
    get_connection(source.connection, contract.feed_id)  # a missing connection named clearly, before the hook
    with _translated(contract):
        conn = PostgresHook(postgres_conn_id=source.connection).get_conn()
        try:
            yield conn
        finally:
            conn.close()


def extract_query(contract: Contract) -> Any:
    """The extract's SQL: the contract's query, or its columns of the table within the period."""
    from psycopg import sql

    source = _source(contract)
    if source.query:
        return sql.SQL(source.query)  # type: ignore[arg-type]  (a contract is configuration, reviewed like code)
    column = sql.Identifier(*source.incremental_column.split("."))
    return sql.SQL("select {columns} from {table} where {column} >= %(period_start)s and {column} < "
                   "%(period_end)s order by {column}").format(
        columns=sql.SQL(", ").join(sql.Identifier(name) for name in contract.column_names),
        table=sql.Identifier(*source.table.split(".")), column=column)


def file_name(contract: Contract, period_start: date) -> str:
    """The extract's name for the period, as a partner would name it (the pattern's ``*`` is the period)."""
    return safe_name(contract.file.pattern.replace("*", period_start.strftime(contract.delivery.period_in_name)),
                     contract.feed_id)


def waiting(contract: Contract) -> list:
    """A database has no files waiting: each period is extracted when its run comes (no sensor)."""
    return []


def pull(contract: Contract, landing: Path, zone_root: Path, period: tuple[date, date] | None) -> list[Landed]:
    """Extract the period into ``landing``: CSV streamed in batches, manifest written, then the rename."""
    if period is None:
        raise SourceMisconfigured(f"feed {contract.feed_id}: a SQL extract needs a period (start, end)")
    start, end = period
    name = file_name(contract, start)
    rows = {"n": 0}

    def write_manifest(size: int, sha256: str) -> None:
        write_private_text(landing / (name + contract.file.manifest_suffix),
                           json.dumps({"row_count": rows["n"], "sha256": sha256}))

    with database(contract) as conn, _translated(contract):
        with conn.cursor(name=f"extract_{contract.feed_id}") as cursor:  # server side: rows come in batches
            cursor.itersize = BATCH_ROWS
            cursor.execute(extract_query(contract), {"period_start": start, "period_end": end})
            chunks = _csv_chunks(cursor, contract, rows)
            landed = land_stream(chunks, landing, name, zone_root, before_rename=write_manifest)
        conn.rollback()  # read only
    return [landed]


def _csv_chunks(cursor: Any, contract: Contract, rows: dict) -> Iterator[bytes]:
    """The CSV (header, then rows) in encoded chunks of at most BATCH_ROWS rows, counting them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    first = cursor.fetchmany(BATCH_ROWS)
    writer.writerow([column.name for column in cursor.description])
    batch = first
    while batch:
        writer.writerows([_text(value, contract) for value in record] for record in batch)  # a row at a time
        rows["n"] += len(batch)
        yield buffer.getvalue().encode(contract.file.encoding)
        buffer.seek(0)
        buffer.truncate()
        batch = cursor.fetchmany(BATCH_ROWS)
    if buffer.tell():
        yield buffer.getvalue().encode(contract.file.encoding)


def _text(value: Any, contract: Contract) -> str:
    """A value as the contract's file habits write it (its date and timestamp formats; empty for null)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(contract.file.timestamp_format)
    if isinstance(value, date):
        return value.strftime(contract.file.date_format)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check(contract: Contract) -> str:
    """Connect with the connection's credentials and plan the extract (nothing is read)."""
    with database(contract) as conn, _translated(contract), conn.cursor() as cursor:
        today = date.today()
        cursor.execute(b"explain " + extract_query(contract).as_bytes(conn),
                       {"period_start": today, "period_end": today})
        conn.rollback()
    return "connected; the extract query plans"
