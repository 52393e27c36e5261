"""Keyed pseudonyms: HMAC-SHA-256 of the normalised NHS Number. The key is only ever held in memory."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pyarrow as pa

UDF_NAME = "outcomes_pseudonym"


def pseudonym(key: bytes, nhs_number: str) -> str:
    return hmac.new(key, nhs_number.encode("ascii"), hashlib.sha256).hexdigest()


def register_pseudonym_udf(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Register ``outcomes_pseudonym(varchar) -> varchar`` on a connection, closed over the key.

    Vectorised over Arrow arrays: DuckDB hands over a column chunk at a time; nulls stay null.
    """

    def _udf(values: pa.Array) -> pa.Array:
        out = [None if v is None else hmac.new(key, v.encode("ascii"), hashlib.sha256).hexdigest()
               for v in values.to_pylist()]
        return pa.array(out, type=pa.string())

    con.create_function(UDF_NAME, _udf, ["VARCHAR"], "VARCHAR", type="arrow", side_effects=False)
