"""gap_trend_12m: the SII's trend over the last 12 monthly periods (stats/gap_trend.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stats.gap_trend import gap_trends, judge_trend

MONTHS = np.arange(12)


def limits(sii, half_width=1.0):
    sii = np.asarray(sii, dtype=float)
    return sii - half_width, sii + half_width


@pytest.mark.parametrize(("sii", "trend"), [
    (-10 - MONTHS, "widening"),          # negative and moving away from zero
    (-20 + MONTHS, "narrowing"),         # negative and moving towards zero
    (5 + 0.5 * MONTHS, "widening"),      # positive and growing
    (np.full(12, -10.0), "no_significant_change"),
])
def test_the_trend_follows_the_slope_of_the_sii_against_its_sign(sii, trend):
    """GIVEN 12 monthly SIIs with 95% limits +/- 1 WHEN judged THEN a slope away from zero is widening, towards
    zero narrowing, none no_significant_change."""
    assert judge_trend(MONTHS, sii, *limits(sii)) == trend


def test_a_slope_inside_the_sii_uncertainty_is_no_significant_change():
    """GIVEN SIIs rising by 0.1 a month with 95% limits +/- 20 WHEN judged THEN the slope (1.1 over the year,
    standard error about 2.9 per month) is not significant."""
    sii = -10 + 0.1 * MONTHS
    assert judge_trend(MONTHS, sii, *limits(sii, 20.0)) == "no_significant_change"


def test_fewer_than_six_usable_months_is_not_enough_data():
    sii = -10 - MONTHS.astype(float)
    sii[:7] = np.nan
    assert judge_trend(MONTHS, sii, *limits(sii)) == "not_enough_data"
    assert judge_trend(MONTHS[5:], -10 - MONTHS[5:], *limits(-10 - MONTHS[5:])) == "widening"  # six are enough


def test_each_period_is_judged_on_its_own_last_twelve_months():
    """GIVEN one series: six flat months at -30, then 12 months widening from -10 to -21 WHEN trends are taken
    THEN months 1-5 have too few months, month 6 (six flat months) has no significant change, and month 18,
    whose window is exactly the 12 widening months (the flat ones would reverse the slope), is widening."""
    months = pd.date_range("2024-01-01", periods=18, freq="MS")
    sii = np.r_[np.full(6, -30.0), -10 - np.arange(12.0)]
    frame = pd.DataFrame({"measure_id": "m", "period_start": months, "sii": sii, "sii_lower_95": sii - 1,
                          "sii_upper_95": sii + 1})
    trends = gap_trends(frame, by=["measure_id"])
    assert list(trends[:5]) == ["not_enough_data"] * 5
    assert trends.iloc[5] == "no_significant_change"  # six flat months
    assert trends.iloc[17] == "widening"  # only the last 12 (widening) months are in its window
    assert judge_trend(np.arange(18), sii, sii - 1, sii + 1) == "narrowing"  # all 18 would read otherwise
