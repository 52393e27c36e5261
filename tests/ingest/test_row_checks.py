"""The NHS Number rule in SQL agrees with the nhs-number library's modulus-11 checksum on every kind of input.

GIVEN any text (ten digits, fewer, more, letters, a repeated digit, the 999 test range)
WHEN the generated DuckDB expression judges it
THEN it is valid exactly when the library's modulus-11 checksum matches the tenth digit, the digits are not all
one digit and, unless the test range is allowed, it does not start 999.
"""

from __future__ import annotations

import duckdb
import nhs_number
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.row_checks import nhs_number_as_integer, nhs_number_valid


def expected(text: str, allow_test_range: bool) -> bool:
    if len(text) != 10 or not (text.isascii() and text.isdigit()):
        return False
    checksum_ok = nhs_number.calculate_checksum(text[:9]) == int(text[9])
    return checksum_ok and len(set(text)) > 1 and (allow_test_range or not text.startswith("999"))


def judged(values: list[str], allow_test_range: bool) -> list[bool]:
    con = duckdb.connect()
    con.execute("create table t (i integer, s varchar)")
    con.executemany("insert into t values (?, ?)", list(enumerate(values)))
    number = nhs_number_as_integer("s")
    rows = con.execute(f"select coalesce({nhs_number_valid(f'({number})', allow_test_range)}, false) "
                       "from t order by i").fetchall()
    return [r[0] for r in rows]


ten_digits = st.text(alphabet="0123456789", min_size=10, max_size=10)
nearly = st.one_of(ten_digits, st.text(alphabet="0123456789", min_size=0, max_size=12),
                   st.text(min_size=0, max_size=12), st.sampled_from(["999"]).map(lambda p: p + "0000018"))


@pytest.mark.parametrize("allow_test_range", [True, False])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(nearly, min_size=1, max_size=200))
def test_sql_nhs_number_rule_matches_the_library(values: list[str], allow_test_range: bool) -> None:
    assert judged(values, allow_test_range) == [expected(v, allow_test_range) for v in values]


def test_known_numbers() -> None:
    cases = {"9434765919": True, "9434765918": False, "1111111111": False, "0000000000": False,
             "9990000018": False, "943476591": False, "94347659190": False, "94347a5919": False,
             "+434765919": False}
    assert judged(list(cases), allow_test_range=False) == list(cases.values())
    assert judged(["9990000018"], allow_test_range=True) == [True]
