"""The DuckDB database ingest checks files in: one in-memory database per process, one connection per file.

Opening a DuckDB database costs about 20 ms, which dominated the many small weekly and monthly files; a cursor on
an open database costs well under a millisecond. A cursor's temp tables and registered frames are its own and go
when it closes, so one file never sees another's rows. Reference lists are loaded once per process into the
shared catalogue (``shared_table``) and reloaded when their source file changes. Ingest never opens the
warehouse: this database lives in memory and spills only to a folder of this process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np

from config.settings import Settings
from ingest import pseudonymise

# DuckDB's buffer allowance per ingest process; past it, DuckDB spills to the process's temp folder. One GP register
# file of 8 million rows (10x) peaked at 3.1 GB with 2 GB and pseudonyms held whole, 2.5 GB with 1 GB, 1.4 GB with
# 1 GB and streamed pseudonyms, 1.3 GB with 1 GB and pseudonyms made as the rows are written (ingest.pseudonymise;
# bench/results.md, issue 18).
MEMORY_LIMIT = "1GB"


@dataclass
class _Database:
    con: duckdb.DuckDBPyConnection
    signatures: dict[str, tuple] = field(default_factory=dict)  # shared table -> signature of its source
    lock: threading.Lock = field(default_factory=threading.Lock)
    pseudonym_functions: dict[bytes, str] = field(default_factory=dict)  # key -> its function (in memory only)


_DATABASES: dict[tuple[int, str], _Database] = {}
_DATABASES_LOCK = threading.Lock()


def _database(settings: Settings) -> _Database:
    # Keyed by process id: a forked child never uses its parent's database (DuckDB is not fork-safe).
    key = (os.getpid(), str(settings.lake_dir))
    with _DATABASES_LOCK:
        db = _DATABASES.get(key)
        if db is None:
            tmp = settings.lake_dir / "_duckdb_tmp" / str(os.getpid())  # spill space of this process only
            tmp.mkdir(parents=True, exist_ok=True)
            con = duckdb.connect(":memory:")
            con.execute(f"set temp_directory='{tmp}'; set memory_limit='{MEMORY_LIMIT}'; "
                        "set preserve_insertion_order=true; set enable_progress_bar=false;")
            db = _DATABASES[key] = _Database(con)
    return db


def connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A fresh connection for one file: its temp tables are private and dropped when it is closed."""
    db = _database(settings)
    with db.lock:  # ingest's lanes (ingest.load) open cursors from two threads
        con = db.con.cursor()
    con.execute("set enable_progress_bar=false")
    return con


def statement_threads(settings: Settings, threads: int | None) -> None:
    """Set how many threads a statement of this process's ingest database may use (a setting of the database, so
    of every cursor on it); ``None`` gives back DuckDB's default, one per core. Ingest's lanes (ingest.load) each
    take one while two or more feeds are left to ingest side by side."""
    db = _database(settings)
    with db.lock:
        db.con.execute("reset threads" if threads is None else f"set threads = {int(threads)}")


def pseudonym_function(settings: Settings, key: bytes) -> str:
    """The name of the SQL function giving the keyed pseudonym of a text (ingest.pseudonymise) on this process's
    database, registered the first time a key is used."""
    db = _database(settings)
    with db.lock:
        name = db.pseudonym_functions.get(key)
        if name is None:
            name = db.pseudonym_functions[key] = pseudonymise.register(db.con, key, len(db.pseudonym_functions))
        return name


def shared_table(settings: Settings, name: str, signature: tuple, create_sql: str,
                 params: Sequence | None = None) -> None:
    """Create table ``main.<name>`` from ``create_sql`` (a select) unless it exists for the same ``signature``."""
    db = _database(settings)
    with db.lock:
        if db.signatures.get(name) == signature:
            return
        con = db.con.cursor()
        try:
            con.execute(f'create or replace table main."{name}" as {create_sql}', params)
        finally:
            con.close()
        db.signatures[name] = signature


def temp_table(con: duckdb.DuckDBPyConnection, name: str, columns: Mapping[str, np.ndarray],
               types: Mapping[str, str] | None = None) -> None:
    """Create temp table ``name`` on ``con`` from NumPy arrays (text in object arrays), each column cast to its SQL
    type in ``types`` where given (a column of nothing but nulls has no type of its own). DuckDB reads the arrays
    as they are; a pandas or pyarrow table would import pandas (pyarrow does so on its first table), about 40 MB
    of a process whose CSV files have no other use for it (bench/results.md, issue 18, fortieth round)."""
    source = f"_{name}_arrays"
    quoted = {c: '"' + c.replace('"', '""') + '"' for c in columns}
    selected = ", ".join(f"{q}::{types[c]} as {q}" if types and c in types else q for c, q in quoted.items())
    con.register(source, dict(columns))
    try:
        con.execute(f"create or replace temp table {name} as select {selected} from {source}")
    finally:
        con.unregister(source)
