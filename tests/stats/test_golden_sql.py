"""Every golden row for counts, rates, proportions and directly standardised rates, through the dbt macros'
SQL run in DuckDB (the text dbt compiles: sql_render, proven equal to dbt's by test_sql_macros_dbt).

Tolerance as for the Python functions (golden.published): 1 part in 10^12 of every published cell.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from stats import ESP2013
from tests.stats.golden import GoldenRow, matches, sheet
from tests.stats.golden_standardised import DSR_ROWS, compared_dsr_cells, dsr_inputs, multiplier
from tests.stats.sql_render import render
from tests.stats.test_golden_rates import (
    BYARS_WILSON,
    LIMITS_1,
    LIMITS_2,
    PROPORTIONS,
    PROPORTIONS_GROUPED,
    RATES,
    RATES_GROUPED,
)


def run(template: str, **tables: pd.DataFrame) -> pd.DataFrame:
    connection = duckdb.connect()
    for name, frame in tables.items():
        connection.register(name, frame)
    return connection.sql(render(template)).df()


def assert_sql_cells(row: GoldenRow, computed: pd.Series, names: list[str]) -> None:
    mismatched = {n: (computed[n], row.expected[n]) for n in names if not matches(float(computed[n]), row.expected[n])}
    assert not mismatched, f"{row.id}: SQL computed vs published {mismatched}"


def inputs(workbook: str, name: str) -> pd.DataFrame:
    frame = sheet(workbook, name).reset_index(names="row")
    return frame.astype({c: "float64" for c in ("Numerator", "Denominator", "multiplier", "x", "n")
                         if c in frame})


@pytest.fixture(scope="module")
def byars_wilson() -> pd.DataFrame:
    return run("""
        select row,
            case when method = 'Byars' and confidence = '95%' then {{ byars_lower('x', 0.95) }}
                 when method = 'Byars' then {{ byars_lower('x', 0.998) }}
                 when confidence = '95%' then {{ wilson_lower('x', 'n', 0.95) }}
                 else {{ wilson_lower('x', 'n', 0.998) }} end as lowercl,
            case when method = 'Byars' and confidence = '95%' then {{ byars_upper('x', 0.95) }}
                 when method = 'Byars' then {{ byars_upper('x', 0.998) }}
                 when confidence = '95%' then {{ wilson_upper('x', 'n', 0.95) }}
                 else {{ wilson_upper('x', 'n', 0.998) }} end as uppercl
        from golden""", golden=inputs("testdata_Byars_Wilson.xlsx", "testdata_B_W")).set_index("row")


PROPORTION_SQL = """
    select row, numerator / denominator * multiplier as value,
        {{ wilson_lower('numerator', 'denominator', 0.95) }} * multiplier as lower95_0cl,
        {{ wilson_upper('numerator', 'denominator', 0.95) }} * multiplier as upper95_0cl,
        {{ wilson_lower('numerator', 'denominator', 0.998) }} * multiplier as lower99_8cl,
        {{ wilson_upper('numerator', 'denominator', 0.998) }} * multiplier as upper99_8cl
    from golden"""

RATE_SQL = """
    select row, numerator / denominator * multiplier as value,
        {{ poisson_lower('numerator', 0.95) }} / denominator * multiplier as lower95_0cl,
        {{ poisson_upper('numerator', 0.95) }} / denominator * multiplier as upper95_0cl,
        {{ poisson_lower('numerator', 0.998) }} / denominator * multiplier as lower99_8cl,
        {{ poisson_upper('numerator', 0.998) }} / denominator * multiplier as upper99_8cl
    from golden"""

def grouped_sql(template: str, workbook: str, name: str, multiplier: int) -> pd.DataFrame:
    """The grouped sheets' rows are the ungrouped sheet's rows summed by area (R's sum: missing if any is)."""
    summed = run(f"""
        select area,
            case when count(numerator) = count(*) then sum(numerator) end as numerator,
            case when count(denominator) = count(*) then sum(denominator) end as denominator,
            {multiplier} as multiplier
        from golden_rows group by area""", golden_rows=inputs(workbook, name))
    return run(template.replace("select row,", "select area,"), golden=summed).set_index("Area")


@pytest.fixture(scope="module")
def proportions() -> pd.DataFrame:
    return run(PROPORTION_SQL, golden=inputs("testdata_Proportion.xlsx", "testdata_Prop")).set_index("row")


@pytest.fixture(scope="module")
def rates() -> pd.DataFrame:
    return run(RATE_SQL, golden=inputs("testdata_Rate.xlsx", "testdata_Rate")).set_index("row")


@pytest.fixture(scope="module")
def proportions_grouped() -> pd.DataFrame:
    return grouped_sql(PROPORTION_SQL, "testdata_Proportion.xlsx", "testdata_Prop", 1)


@pytest.fixture(scope="module")
def rates_grouped() -> pd.DataFrame:
    return grouped_sql(RATE_SQL, "testdata_Rate.xlsx", "testdata_Rate", 100000)


@pytest.mark.parametrize("row", BYARS_WILSON, ids=lambda r: r.id)
def test_byars_and_wilson_limits_in_sql(row: GoldenRow, byars_wilson: pd.DataFrame) -> None:
    assert_sql_cells(row, byars_wilson.loc[row.row], ["lowercl", "uppercl"])


@pytest.mark.parametrize("row", PROPORTIONS, ids=lambda r: r.id)
def test_proportions_in_sql(row: GoldenRow, proportions: pd.DataFrame) -> None:
    assert_sql_cells(row, proportions.loc[row.row], LIMITS_2)


@pytest.mark.parametrize("row", RATES, ids=lambda r: r.id)
def test_rates_in_sql(row: GoldenRow, rates: pd.DataFrame) -> None:
    assert_sql_cells(row, rates.loc[row.row], LIMITS_2)


@pytest.mark.parametrize("row", PROPORTIONS_GROUPED, ids=lambda r: r.id)
def test_grouped_proportions_in_sql(row: GoldenRow, proportions_grouped: pd.DataFrame) -> None:
    assert_sql_cells(row, proportions_grouped.loc[row.inputs["Area"]].rename(
        {"lower95_0cl": "lowercl", "upper95_0cl": "uppercl"}), LIMITS_1)


@pytest.mark.parametrize("row", RATES_GROUPED, ids=lambda r: r.id)
def test_grouped_rates_in_sql(row: GoldenRow, rates_grouped: pd.DataFrame) -> None:
    assert_sql_cells(row, rates_grouped.loc[row.inputs["Area"]].rename(
        {"lower95_0cl": "lowercl", "upper95_0cl": "uppercl"}), LIMITS_1)


DSR_SQL = """
    with joined as (
        select rates.age_band, rates.events, rates.population, weights.standard_population
        from rates
        inner join {standard} as weights on rates.age_band = weights.age_band
    ),

    sums as (
        select
            sum(events) as total_count,
            sum(population) as total_pop,
            {{{{ dsr_value('events', 'population', 'standard_population', {m}) }}}} as value,
            {{{{ dsr_variance('events', 'population', 'standard_population') }}}} as variance
        from joined
    )

    select total_count, total_pop, value,
        {{{{ dobson_lower('value', 'variance', 'total_count', {m}, 0.95) }}}} as lower95_0cl,
        {{{{ dobson_upper('value', 'variance', 'total_count', {m}, 0.95) }}}} as upper95_0cl,
        {{{{ dobson_lower('value', 'variance', 'total_count', {m}, 0.998) }}}} as lower99_8cl,
        {{{{ dobson_upper('value', 'variance', 'total_count', {m}, 0.998) }}}} as upper99_8cl
    from sums"""


@pytest.mark.parametrize("row", [r for r in DSR_ROWS if not r.inputs["area"].startswith("testdata_nonind")],
                         ids=lambda r: r.id)
def test_directly_standardised_rates_in_sql(row: GoldenRow) -> None:
    # GIVEN an area's counts and populations by age band, joined to its standard by band in SQL
    rows, standard, _ = dsr_inputs(row.inputs["area"])
    weights = pd.DataFrame({"age_band": list(standard), "standard_population": list(standard.values())})
    source = "{{ esp2013_weights() }}" if standard is ESP2013 else "standard"
    # WHEN the dsr macros aggregate them
    result = run(DSR_SQL.format(standard=source, m=int(multiplier(row.inputs["statistic"]))),
                 rates=rows[["age_band", "events", "population"]].astype({"events": float, "population": float}),
                 standard=weights).iloc[0]
    # THEN every published cell matches
    mismatched = {name: (result[name], value) for name, (value, decimals) in compared_dsr_cells(row).items()
                  if not matches(float(result[name]), value, decimals)}
    assert not mismatched, f"{row.id}: SQL computed vs published {mismatched}"
