"""The SII line of a measure page, fitted to published quintile values (outcomes/report/sii_line.py)."""

import pandas as pd
import pytest

from outcomes.report.sii_line import fit, with_fitted
from stats.inequality_summary import inequality_summary


def quintiles(values, denominators, half_width):
    return pd.DataFrame({"breakdown_value": list("12345"), "value": values,
                         "lower_95": [v - half_width for v in values], "upper_95": [v + half_width for v in values],
                         "denominator": denominators})


def test_a_straight_gradient_is_its_own_line_with_the_sii_end_to_end():
    """GIVEN percentages 10, 20, 30, 40, 50 in fifths of equal population (midpoints 0.1 ... 0.9)
    THEN the line passes through every value and the SII (least minus most deprived end) is 50 points."""
    line = fit(quintiles([10.0, 20.0, 30.0, 40.0, 50.0], [1000] * 5, 2.0), "proportion")
    assert line.sii == pytest.approx(50.0)
    assert line.fitted.tolist() == [10.0, 20.0, 30.0, 40.0, 50.0]
    assert line.lower_95 < 50.0 < line.upper_95


def test_the_line_agrees_with_the_warehouse_summary_on_the_same_figures():
    """GIVEN rates by quintile with unequal populations
    THEN the report's SII equals marts.inequality_summary's statistic computed from the same figures."""
    rows = quintiles([520.0, 430.0, 310.0, 240.0, 150.0], [9000, 21000, 30000, 24000, 11000], 40.0)
    line = fit(rows, "rate")
    summary = inequality_summary(pd.DataFrame({
        "measure_id": "m", "period_start": "2025-04-01", "period_end": "2025-04-30", "area_type": "system",
        "area_code": "QGH", "dimension": "imd_quintile", "quantile": range(1, 6), "value_type": "rate",
        "period_type": "month", "population": rows["denominator"], "value": rows["value"],
        "lower_95": rows["lower_95"], "upper_95": rows["upper_95"]}), draws=10_000, seed=2004)
    assert line.sii == pytest.approx(summary["sii"].iloc[0])
    assert line.sii < 0  # falls from the most to the least deprived end
    assert line.fitted.is_monotonic_decreasing


def test_a_suppressed_fifth_gets_no_line_and_nothing_is_filled_in():
    rows = quintiles([10.0, 20.0, 30.0, 40.0, 50.0], [1000] * 5, 2.0)
    rows.loc[2, ["value", "lower_95", "upper_95"]] = None
    assert fit(rows, "proportion") is None
    assert with_fitted(rows, None)["sii_line"].isna().all()


def test_a_measure_without_limits_by_quintile_gets_no_line():
    assert fit(quintiles([3.0, 3.5, 4.0, 4.5, 5.0], [100] * 5, 0.5), "mean") is None
