"""The keyed pseudonyms, made by a SQL function of the ingest database as the rows are written.

GIVEN texts (nulls among them) over more than one of DuckDB's vectors, two keys, two cursors and two threads
WHEN the pseudonym function of the ingest database is called on them
THEN every pseudonym equals the standard library's HMAC-SHA-256 of its text under its own key, nulls stay null,
no row is lost or doubled at a vector's boundary, the function's name tells nothing of the key, and a process
that used it exits without the DuckDB binding reporting leaked objects.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from ingest import engine
from ingest.pseudonymise import FUNCTION_PREFIX, pseudonym

KEY = b"test-key-for-vectors"
OTHER_KEY = b"another-key-entirely"


def _texts(rows: int) -> str:
    return (f"select i, case when i % 4 = 3 then null else (9000000000 + i)::varchar end as v "
            f"from range({rows}) r(i)")


def _expected(key: bytes, rows: int) -> list[tuple[int, str | None]]:
    return [(i, None if i % 4 == 3 else pseudonym(key, str(9000000000 + i))) for i in range(rows)]


@pytest.mark.parametrize("rows", [0, 1, 5, 2048, 2049, 7_000])
def test_the_function_matches_the_reference_row_by_row(settings, rows):
    name = engine.pseudonym_function(settings, KEY)
    con = engine.connect(settings)
    try:
        got = con.execute(f"select i, {name}(v) from ({_texts(rows)}) order by i").fetchall()
    finally:
        con.close()
    assert got == _expected(KEY, rows)


def test_each_key_has_its_own_function_whose_name_tells_nothing_of_it(settings):
    first, second = engine.pseudonym_function(settings, KEY), engine.pseudonym_function(settings, OTHER_KEY)
    assert first != second and engine.pseudonym_function(settings, KEY) == first  # registered once per key
    for name in (first, second):
        assert name.startswith(FUNCTION_PREFIX) and name[len(FUNCTION_PREFIX):].isdigit()
    con = engine.connect(settings)
    try:
        got = con.execute(f"select {first}('9434765919'), {second}('9434765919')").fetchone()
    finally:
        con.close()
    assert got == (pseudonym(KEY, "9434765919"), pseudonym(OTHER_KEY, "9434765919"))


def test_two_lanes_hash_at_once(settings):
    """Ingest's two lanes write files at the same time, each on its own cursor, through one function."""
    name = engine.pseudonym_function(settings, KEY)

    def lane(offset: int) -> list:
        con = engine.connect(settings)
        try:
            return con.execute(f"select i, {name}((9000000000 + i + {offset})::varchar) from range(20000) r(i) "
                               "order by i").fetchall()
        finally:
            con.close()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lane, [0, 1]))
    for offset, got in enumerate(results):
        assert got == [(i, pseudonym(KEY, str(9000000000 + i + offset))) for i in range(20000)]


def test_a_process_that_made_pseudonyms_exits_cleanly(settings):
    """The database holds a Python function, and is never closed. Were the function to refer to the database
    (a cycle), the binding would report both as leaked objects on the process's error stream at exit: every
    `outcomes ingest` would print them (checked: it fails with a function that refers to its connection)."""
    script = textwrap.dedent("""
        from config.settings import get_settings
        from ingest import engine
        settings = get_settings()
        name = engine.pseudonym_function(settings, b"exit-key")
        con = engine.connect(settings)
        print(con.execute(f"select {name}('9434765919')").fetchone()[0])
        con.close()
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ))  # the fixture's working folder and key
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == pseudonym(b"exit-key", "9434765919")
    assert "leak" not in done.stderr, done.stderr
