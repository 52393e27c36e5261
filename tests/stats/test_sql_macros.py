"""The dbt macros' constants and refusals: z values, exact Poisson limits and ESP 2013 weights written into
dbt_project/macros/stats/ equal what stats/ computes with scipy; other confidence levels are refused."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from stats import ESP2013, exact_lower, exact_upper, z_value
from tests.stats.sql_render import CompilerError, render


def sql_values(template: str) -> list:
    return [row[0] for row in duckdb.sql(render(template)).fetchall()]


@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_z_values_are_scipy_normal_quantiles(confidence: float) -> None:
    assert sql_values(f"select {{{{ confidence_z({confidence}) }}}}") == [z_value(confidence)]


@pytest.mark.parametrize("side", ["lower", "upper"])
@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_exact_poisson_limits_are_scipy_chi_squared_quantiles(confidence: float, side: str) -> None:
    # GIVEN counts 0 to 9 WHEN their exact limits come from the macro's table THEN they are scipy's, digit for digit
    computed = sql_values(f"select {{{{ exact_poisson_{side}('x', {confidence}) }}}} "
                          "from range(10) as counts(x) order by x")
    expected = (exact_lower if side == "lower" else exact_upper)(np.arange(10), confidence)
    assert computed == expected.tolist()


def test_fractional_and_missing_counts_have_no_exact_limit() -> None:
    assert sql_values("select {{ poisson_upper('x') }} from (values (2.5), (null)) as t(x)") == [None, None]


def test_byars_lower_is_missing_where_negative_and_at_zero() -> None:
    # GIVEN 1 event at 99.8% (Byar's lower would be negative) and no events WHEN Byar's lower THEN null, as the package
    assert sql_values("select {{ byars_lower('x', 0.998) }} from (values (1), (0)) as t(x)") == [None, None]


def test_esp2013_weights_match_the_python_standard_band_by_band() -> None:
    rows = duckdb.sql(render("select age_band, standard_population from {{ esp2013_weights() }} as e")).fetchall()
    assert dict(rows) == ESP2013
    assert sum(ESP2013.values()) == 100_000


@pytest.mark.parametrize("call", ["wilson_lower('x', 'n', 0.9)", "poisson_upper('x', 95)", "confidence_z(0.99)",
                                  "dobson_lower('v', 'var', 'o', 100000, 0.975)"])
def test_other_confidence_levels_are_refused_when_the_model_compiles(call: str) -> None:
    with pytest.raises(CompilerError, match="available at confidence 0.95 or 0.998"):
        render(f"select {{{{ {call} }}}}")
