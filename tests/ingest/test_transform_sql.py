"""Derived fields at the personal-data boundary, in SQL, against a plain Python statement of the same rule."""

from __future__ import annotations

import duckdb

from ingest.transform_sql import AGE_BANDS, age_band_sql


def band(age: int | None) -> str | None:
    if age is None or age < 0:
        return None
    return next(label for low, label in reversed(AGE_BANDS) if age >= low)


def test_age_band_of_every_age_matches_the_band_table():
    """GIVEN every age from -3 to 120 and null WHEN the SQL bands them THEN each lands in its AGE_BANDS label."""
    ages = [*range(-3, 121), None]
    con = duckdb.connect()
    got = [r[0] for r in con.execute(
        f"select {age_band_sql('a')} from unnest(?::integer[]) with ordinality t(a, i) order by i", [ages]
    ).fetchall()]
    assert got == [band(a) for a in ages]
    assert band(0) == "0-4" and band(89) == "85-89" and band(90) == "90+"
