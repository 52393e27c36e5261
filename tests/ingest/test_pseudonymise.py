"""The keyed pseudonyms of a file's rows, hashed in slices on worker threads.

GIVEN tables of 0 to 12 rows (nulls among them) and slices of 3 rows, fetched whole or streamed slice by slice
WHEN their pseudonyms are computed and registered
THEN every row's pseudonym equals the standard library's HMAC-SHA-256 of its text, on its own rowid, nulls stay
null, and no row is lost or doubled at a slice boundary.
"""

from __future__ import annotations

import duckdb
import pytest

from ingest import pseudonymise
from ingest.pseudonymise import PendingPseudonyms, pseudonym

KEY = b"test-key-for-slices"


@pytest.mark.parametrize("stream_rows", [1_000, 4], ids=["whole", "streamed"])
@pytest.mark.parametrize("rows", [0, 1, 3, 5, 7, 12])
def test_sliced_hashing_matches_the_reference_row_by_row(rows, stream_rows, monkeypatch):
    """(Streamed: tables of more than 4 rows are hashed slice by slice into a DuckDB table, here with rows
    deleted before, as repeated rows are, so the rowids have gaps.)"""
    monkeypatch.setattr(pseudonymise, "SLICE_ROWS", 3)
    monkeypatch.setattr(pseudonymise, "STREAM_ROWS", stream_rows)
    con = duckdb.connect()
    con.execute(f"create table t as select case when i % 4 = 3 then null else (9000000000 + i)::varchar end as v "
                f"from range({rows}) r(i)")
    con.execute("delete from t where rowid = 4")
    pending = PendingPseudonyms(con, "t", {"_p_v": "v"}, KEY)
    assert pending.streamed == (rows - (rows > 4) > stream_rows)
    pending.register(con)
    got = con.execute("select _rid, _p_v from _pseudonyms order by _rid").fetchall()
    expected = [(i, None if i % 4 == 3 else pseudonym(KEY, str(9000000000 + i))) for i in range(rows) if i != 4]
    assert got == expected
    pending.close()
