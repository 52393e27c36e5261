"""Keyed pseudonyms: HMAC-SHA-256 of the normalised NHS Number. The key is only ever held in memory."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

UDF_NAME = "outcomes_pseudonym"


def pseudonym(key: bytes, nhs_number: str) -> str:
    return hmac.new(key, nhs_number.encode("ascii"), hashlib.sha256).hexdigest()



def register_pseudonym_udf(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Register ``outcomes_pseudonym(varchar) -> varchar`` on a connection, closed over the key.

    Vectorised over Arrow arrays: DuckDB hands over a column chunk at a time; nulls stay null.
    """

    def _udf(values: pa.Array) -> pa.Array:
        # hash each distinct value once (one-shot C HMAC), then expand back through the dictionary indices
        encoded = pc.dictionary_encode(values)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        digests = pa.array([hmac.digest(key, v.encode("ascii"), "sha256").hex()
                            for v in encoded.dictionary.to_pylist()], type=pa.string())
        return pc.take(digests, encoded.indices)

    con.create_function(UDF_NAME, _udf, ["VARCHAR"], "VARCHAR", type="arrow", side_effects=False)
