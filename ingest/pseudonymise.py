"""Keyed pseudonyms: HMAC-SHA-256 (RFC 2104) of the normalised NHS Number, vectorised.

The hashing runs in polars-hash (Rust, on the CPU's SHA instructions where it has them), over an Arrow column
fetched from the ingest database and handed back to it: measured about six times less CPU than DuckDB's own
`sha256`, which needs four software SHA-256 blocks a row for an HMAC. The key is only ever held in memory:
it is passed to the hashing function, never into SQL text, a file, a log line or an error message.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import duckdb

PSEUDONYMS = "_pseudonyms"  # the relation (_rid, _p_<column>...) registered on the file's connection

# Hashing workers, one per core, started once per process (starting a thread per file cost about 4 ms a file).
# A large file is hashed in slices on all of them: the hashing outlasts the violation checks on lists of a few
# hundred thousand rows, and then the cores would otherwise wait for one worker.
WORKERS = max(1, min(4, os.cpu_count() or 1))
SLICE_ROWS = 200_000
# A file of more rows than this is hashed slice by slice into a DuckDB table, not held whole in Python memory.
STREAM_ROWS = 1_000_000
_POOL: ThreadPoolExecutor | None = None
_POOL_PID: int | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL, _POOL_PID
    with _POOL_LOCK:
        if _POOL is None or _POOL_PID != os.getpid():  # a forked child starts its own worker
            _POOL, _POOL_PID = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="pseudonyms"), os.getpid()
        return _POOL


def pseudonym(key: bytes, nhs_number: str) -> str:
    """The reference implementation (standard library), used by tests to check the vectorised one."""
    return hmac.new(key, nhs_number.encode("utf-8"), hashlib.sha256).hexdigest()


def hmac_hex(values, key: bytes):
    """HMAC-SHA-256, hex encoded, of each text in an Arrow array or chunked array; null stays null."""
    import polars as pl  # imported on use: a DAG file that imports ingest never loads polars
    import polars_hash  # noqa: F401  (registers the .chash namespace)

    series = pl.Series("v", values, dtype=pl.String)
    return series.to_frame().select(pl.col("v").chash.hmac_sha256(key=key.decode("utf-8")))["v"].to_arrow()


class PendingPseudonyms:
    """Pseudonyms of every row of ``table``, registered as ``_pseudonyms`` (``_rid`` = the rowid, one column per
    output name) on the connection.

    ``columns`` maps each output column name to a text expression over ``table``. A table of up to
    ``STREAM_ROWS`` rows has its texts fetched at once (one Arrow table) and hashed on worker threads while DuckDB
    checks the rows (polars releases the GIL while it hashes, so the checks and the hashing share the cores);
    ``register`` waits for the hashes. A larger table (a whole GP register) is hashed in ``register``, slice by
    slice of rowids, each slice's pseudonyms inserted into a DuckDB temp table as soon as they are hashed: at
    most a few slices are in Python memory at once, and DuckDB spills the table past its memory limit, so the
    peak does not follow the size of the file.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str], key: bytes) -> None:
        exprs = ", ".join(f"{expr} as \"_v{i}\"" for i, expr in enumerate(columns.values()))
        self._select, self._names, self._key = f"select rowid as _rid, {exprs} from {table}", list(columns), key
        self._futures = []
        (self.rows,), = con.execute(f"select count(*) from {table}").fetchall()
        if self.rows <= STREAM_ROWS:
            source = con.sql(self._select).to_arrow_table()
            parts = max(1, min(WORKERS, -(-source.num_rows // SLICE_ROWS)))
            step = -(-source.num_rows // parts) or 1
            slices = [source.slice(start, step) for start in range(0, source.num_rows, step)] or [source]
            self._futures = [_pool().submit(_hash_columns, part, self._names, key) for part in slices]

    @property
    def streamed(self) -> bool:
        return self.rows > STREAM_ROWS

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        import pyarrow as pa

        if self.streamed:
            self._stream(con)
        else:
            con.register(PSEUDONYMS, pa.concat_tables([future.result() for future in self._futures]))

    def _stream(self, con: duckdb.DuckDBPyConnection) -> None:
        """Fetch a slice of rowids, hash it on a worker, insert the hashed slices in order; at most one slice per
        worker in flight."""
        columns = ", ".join(f'"{name}" varchar' for name in self._names)
        con.execute(f"create or replace temp table {PSEUDONYMS} (_rid bigint, {columns})")
        (low, high), = con.execute(f"select min(_rid), max(_rid) from ({self._select})").fetchall()
        in_flight: deque = deque()
        for start in range(low, high + 1, SLICE_ROWS):
            part = con.sql(f"{self._select} where rowid >= {start} and rowid < {start + SLICE_ROWS}").to_arrow_table()
            in_flight.append(_pool().submit(_hash_columns, part, self._names, self._key))
            if len(in_flight) > WORKERS:
                _insert(con, in_flight.popleft().result())
        while in_flight:
            _insert(con, in_flight.popleft().result())

    def close(self) -> None:
        """Unneeded hashing (a file refused before its batch is written) is cancelled, or left to finish and its
        result freed."""
        for future in self._futures:
            future.cancel()


def _insert(con: duckdb.DuckDBPyConnection, hashed) -> None:
    con.register("_pseudonym_slice", hashed)
    con.execute(f"insert into {PSEUDONYMS} select * from _pseudonym_slice")
    con.unregister("_pseudonym_slice")


def _hash_columns(source, names: list[str], key: bytes):
    import pyarrow as pa

    hashed = {name: hmac_hex(source.column(f"_v{i}"), key) for i, name in enumerate(names)}
    return pa.table({"_rid": source.column("_rid"), **hashed})
