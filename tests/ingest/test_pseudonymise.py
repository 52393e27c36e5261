"""The keyed pseudonyms of a file's rows, hashed in slices on worker threads.

GIVEN tables of 0 to 12 rows (nulls among them) and slices of 3 rows
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


@pytest.mark.parametrize("rows", [0, 1, 3, 5, 7, 12])
def test_sliced_hashing_matches_the_reference_row_by_row(rows, monkeypatch):
    monkeypatch.setattr(pseudonymise, "SLICE_ROWS", 3)
    con = duckdb.connect()
    con.execute(f"create table t as select case when i % 4 = 3 then null else (9000000000 + i)::varchar end as v "
                f"from range({rows}) r(i)")
    pending = PendingPseudonyms(con, "t", {"_p_v": "v"}, KEY)
    pending.register(con)
    got = con.execute("select _rid, _p_v from _pseudonyms order by _rid").fetchall()
    expected = [(i, None if i % 4 == 3 else pseudonym(KEY, str(9000000000 + i))) for i in range(rows)]
    assert got == expected
    pending.close()
