"""Keyed pseudonyms: HMAC-SHA-256 (RFC 2104) of the normalised NHS Number, vectorised.

The hashing runs in polars-hash (Rust, on the CPU's SHA instructions where it has them): measured about six times
less CPU than DuckDB's own `sha256`, which needs four software SHA-256 blocks a row for an HMAC. It is a scalar
function of the ingest database (``register``), which DuckDB calls with one Arrow vector of a couple of thousand
texts at a time while it writes a file's accepted rows: only the rows written are hashed, on DuckDB's own threads,
and no column of a file is ever held whole in Python memory, however large the file (a whole column fetched and
hashed at once cost a GP register file about 200 MB more at its peak; bench/results.md, issue 18).

The key is only ever held in memory: it is bound to the hashing function, never put into SQL text, a function's
name, a file, a log line or an error message.
"""

from __future__ import annotations

import hashlib
import hmac

import duckdb

FUNCTION_PREFIX = "_pseudonym_"  # + a number: the SQL function of one key on one database (``register``)


def pseudonym(key: bytes, nhs_number: str) -> str:
    """The reference implementation (standard library), used by tests to check the vectorised one."""
    return hmac.new(key, nhs_number.encode("utf-8"), hashlib.sha256).hexdigest()


def hmac_hex(values, key: bytes):
    """HMAC-SHA-256, hex encoded, of each text in an Arrow array or chunked array; null stays null."""
    import polars as pl  # imported on use: a DAG file that imports ingest never loads polars
    import polars_hash  # noqa: F401  (registers the .chash namespace)

    series = pl.Series("v", values, dtype=pl.String)
    return series.to_frame().select(pl.col("v").chash.hmac_sha256(key=key.decode("utf-8")))["v"].to_arrow()


def register(con: duckdb.DuckDBPyConnection, key: bytes, number: int) -> str:
    """Create SQL function ``_pseudonym_<number>(text) -> text`` on ``con``'s database: the pseudonym of each
    text under ``key``, null for null. Its name tells nothing of the key; a database's functions are shared by
    all its cursors, so the caller gives each key of a database its own number (ingest.engine). The function
    refers to the key alone: one that referred to the connection would make a cycle the DuckDB binding reports as
    leaked objects when the process exits."""
    name = f"{FUNCTION_PREFIX}{number}"

    def hashed(values):
        return hmac_hex(values, key)

    con.create_function(name, hashed, [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR"), type="arrow",
                        null_handling="special", side_effects=False)
    return name
