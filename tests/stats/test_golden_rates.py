"""Every row of the golden tables for counts, rates and proportions, through the Python functions.

Tolerance: each cell at the precision it is published with (golden.published): these workbooks publish every
double digit, so agreement to 1 part in 10^12.
"""

from __future__ import annotations

import numpy as np
import pytest

from stats import byars_lower, byars_upper, count_method, proportion, rate, wilson_lower, wilson_upper
from tests.stats.golden import GoldenRow, level, matches, rows_of, sheet, summed_by_area

LIMITS_2 = ["value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"]
LIMITS_1 = ["value", "lowercl", "uppercl"]

BYARS_WILSON = rows_of("testdata_Byars_Wilson.xlsx", "testdata_B_W", ["x", "n", "confidence", "method"],
                       ["lowercl", "uppercl"])
PROPORTIONS = rows_of("testdata_Proportion.xlsx", "testdata_Prop", ["Numerator", "Denominator", "multiplier"],
                      LIMITS_2)
RATES = rows_of("testdata_Rate.xlsx", "testdata_Rate", ["Numerator", "Denominator", "multiplier"],
                [*LIMITS_2, "method"])
PROPORTIONS_GROUPED = rows_of("testdata_Proportion.xlsx", "testdata_Prop_g", ["Area", "multiplier"], LIMITS_1)
RATES_GROUPED = rows_of("testdata_Rate.xlsx", "testdata_Rate_g", ["Area", "multiplier"], [*LIMITS_1, "method"])


def grouped_inputs(workbook: str, name: str, row: GoldenRow) -> tuple[float, float]:
    """The grouped sheets are the ungrouped sheet's rows summed by area (R's phe_rate on grouped data)."""
    sums = summed_by_area(sheet(workbook, name), "Area", ["Numerator", "Denominator"])[row.inputs["Area"]]
    return (np.nan if sums["Numerator"] is None else sums["Numerator"],
            np.nan if sums["Denominator"] is None else sums["Denominator"])


def number(value: object) -> float:
    return np.nan if value is None else float(value)


def assert_cells(row: GoldenRow, computed: dict[str, float]) -> None:
    mismatched = {name: (float(computed[name]), row.expected[name]) for name in computed
                  if not matches(float(computed[name]), row.expected[name])}
    assert not mismatched, f"{row.id}: computed vs published {mismatched}"


@pytest.mark.parametrize("row", BYARS_WILSON, ids=lambda r: r.id)
def test_byars_and_wilson_limits(row: GoldenRow) -> None:
    # GIVEN a count (Byar's) or a proportion x of n (Wilson) at 95% or 99.8%
    c, x, n = level(row.inputs["confidence"]), row.inputs["x"], row.inputs["n"]
    # WHEN its limits are computed
    if row.inputs["method"] == "Byars":
        lower, upper = byars_lower(x, c), byars_upper(x, c)
    else:
        lower, upper = wilson_lower(x, n, c), wilson_upper(x, n, c)
    # THEN both match the published cells (Byar's lower is missing where it would be negative)
    assert_cells(row, {"lowercl": lower, "uppercl": upper})


def at_both_levels(statistic, row: GoldenRow) -> dict[str, float]:
    """value and 95% and 99.8% limits of `statistic` (proportion or rate) for an ungrouped row."""
    x, n, multiplier = number(row.inputs["Numerator"]), number(row.inputs["Denominator"]), row.inputs["multiplier"]
    value, lower95, upper95 = statistic(x, n, multiplier, 0.95)
    _, lower998, upper998 = statistic(x, n, multiplier, 0.998)
    return dict(zip(LIMITS_2, [value, lower95, upper95, lower998, upper998], strict=True))


@pytest.mark.parametrize("row", PROPORTIONS, ids=lambda r: r.id)
def test_proportions(row: GoldenRow) -> None:
    assert_cells(row, at_both_levels(proportion, row))


@pytest.mark.parametrize("row", RATES, ids=lambda r: r.id)
def test_rates(row: GoldenRow) -> None:
    assert_cells(row, at_both_levels(rate, row))
    assert count_method(number(row.inputs["Numerator"])).item() == row.expected["method"], \
        "exact below 10 events, Byar's from 10"


@pytest.mark.parametrize("row", PROPORTIONS_GROUPED, ids=lambda r: r.id)
def test_grouped_proportions(row: GoldenRow) -> None:
    x, n = grouped_inputs("testdata_Proportion.xlsx", "testdata_Prop", row)
    assert_cells(row, dict(zip(LIMITS_1, proportion(x, n, row.inputs["multiplier"], 0.95), strict=True)))


@pytest.mark.parametrize("row", RATES_GROUPED, ids=lambda r: r.id)
def test_grouped_rates(row: GoldenRow) -> None:
    x, n = grouped_inputs("testdata_Rate.xlsx", "testdata_Rate", row)
    assert_cells(row, dict(zip(LIMITS_1, rate(x, n, row.inputs["multiplier"], 0.95), strict=True)))
    assert count_method(x).item() == row.expected["method"]
