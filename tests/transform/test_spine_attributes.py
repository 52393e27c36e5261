"""The person spine's derived attributes (dbt_project/macros/people/spine_attributes.sql), rendered with plain Jinja
(the macros use nothing of dbt's) and run in DuckDB on every age and on LSOAs in, outside and missing from the
lookup: each must give the published category the macros' comments state."""

from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2

MACROS = Path(__file__).resolve().parents[2] / "dbt_project" / "macros" / "people" / "spine_attributes.sql"


def render(template: str) -> str:
    return jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(
        MACROS.read_text(encoding="utf-8") + template).render().strip()


def written_out_band(age: int) -> str:
    """The five-year band as the macro once wrote every label out: floor(age / 5) * 5, '-', that plus 4."""
    low = age // 5 * 5
    return f"{low}-{low + 4}"


def test_every_age_gets_its_five_year_band_90_plus_or_unknown() -> None:
    # GIVEN every whole age from -7 (no contract lets one through) to 120, and a missing age
    sql = render("select age, {{ age_band_5y('age') }} as band "
                 "from (select unnest(range(-7, 121)) :: integer as age union all select null) order by age")
    # WHEN the macro's SQL runs
    bands = dict(duckdb.sql(sql).fetchall())
    # THEN 0-89 fall in 0-4 ... 85-89 (read from the list), 90 and over in 90+, a missing age in unknown, and a
    # negative age still gets the label written out
    assert {age: bands[age] for age in range(90)} == {age: written_out_band(age) for age in range(90)}
    assert {bands[age] for age in range(90, 121)} == {"90+"}
    assert bands[None] == "unknown"
    assert bands[-7] == "-10--6" and bands[-1] == "-5--1"


def test_an_lsoa_outside_the_lookup_or_missing_is_unknown_as_the_row_by_row_macros_make_it() -> None:
    # GIVEN a lookup of an English LSOA in the system's district, a Welsh one and an English one in no place
    lookups = """
        with lsoas as (select * from (values
            ('E01000001', 'England', 'E06000019', 1, 1, 'D1'),
            ('W01000001', 'Wales', 'W06000001', null, null, 'A1'),
            ('E01000002', 'England', 'E09000001', 7, 4, 'C1')
        ) as t (lsoa11_code, country, lad19_code, imd_decile, imd_quintile, rural_urban_code)),
        places as (select 'E06000019' as district_code, 'E06000019' as place_code),
        records as (select * from (values ('E01000001'), ('W01000001'), ('E01000002'), ('E01999999'), (null))
            as t (lsoa11_code)),
        lsoa_breakdowns as ({{ lsoa_breakdown_rows() }})
    """
    # WHEN records take their area breakdowns from the LSOA lookup, and (as before) row by row from lsoas and places
    from_lookup = duckdb.sql(render(lookups + """
        select records.lsoa11_code, {{ area_breakdowns() }}
        from records left join lsoa_breakdowns on records.lsoa11_code = lsoa_breakdowns.lsoa11_code
        order by 1""")).fetchall()
    row_by_row = duckdb.sql(render(lookups + """
        select records.lsoa11_code, {{ imd_category('lsoas', 'imd_decile') }},
            {{ imd_category('lsoas', 'imd_quintile') }}, {{ core20_group('lsoas') }},
            {{ rurality_class('lsoas.rural_urban_code') }},
            coalesce(places.place_code, 'outside_system')
        from records left join lsoas on records.lsoa11_code = lsoas.lsoa11_code
        left join places on lsoas.lad19_code = places.district_code
        order by 1""")).fetchall()
    # THEN both give the same categories, unknown and outside_system for the LSOA not in the lookup and the missing one
    assert from_lookup == row_by_row
    found = {row[0]: row[1:] for row in from_lookup}
    assert found["E01999999"] == found[None] == ("unknown", "unknown", "unknown", "unknown", "outside_system")
    assert found["E01000001"] == ("1", "1", "core20", "rural", "E06000019")
    assert found["W01000001"] == ("outside_england", "outside_england", "rest", "urban", "outside_system")
