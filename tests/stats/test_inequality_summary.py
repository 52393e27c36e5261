"""marts.inequality_summary's statistics (stats/inequality_summary.py) on small hand-made quantile tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stats.inequality_summary import COLUMNS, inequality_summary

DRAWS = 2_000


def quintiles(values, *, value_type="dsr", population=(1000, 1000, 1000, 1000, 1000), half_width=50.0,
              period="2025-04-01", area_code="QGH"):
    values = np.asarray(values, dtype=float)
    return pd.DataFrame({
        "measure_id": "m", "value_type": value_type, "period_type": "month",
        "period_start": pd.Timestamp(period), "period_end": pd.Timestamp(period) + pd.offsets.MonthEnd(0),
        "area_type": "system", "area_code": area_code, "dimension": "imd_quintile", "quantile": range(1, 6),
        "population": population, "value": values, "lower_95": values - half_width,
        "upper_95": values + half_width})


def test_a_rate_falling_with_deprivation_by_hand():
    """GIVEN quintile rates 3000, 2750, 2500, 2250, 2000 per 100,000 (1 most deprived), equal populations
    WHEN summarised THEN the relative ranks are 0.1, 0.3, ..., 0.9 and the line fits exactly: slope -250 / 0.2
    = -1250 per unit of rank, intercept 3000 + 0.1 x 1250 = 3125, so SII -1250 (least minus most deprived,
    PHEindicatormethods' sign) and RII (3125 - 1250) / 3125 = 0.6; most and least deprived 3000 and 2000, gaps
    1000 and 1.5; the limits hold the SII and lie below zero."""
    row = inequality_summary(quintiles([3000, 2750, 2500, 2250, 2000]), draws=DRAWS, seed=1).iloc[0]
    assert list(row.index) == COLUMNS
    assert row["sii"] == pytest.approx(-1250.0)
    assert row["rii"] == pytest.approx(0.6)
    assert (row["most_deprived_value"], row["least_deprived_value"]) == (3000.0, 2000.0)
    assert (row["absolute_gap"], row["relative_gap"]) == (1000.0, 1.5)
    assert row["sii_lower_95"] < row["sii"] < row["sii_upper_95"] < 0
    assert row["rii_lower_95"] < row["rii"] < row["rii_upper_95"] < 1
    assert row["gap_trend_12m"] == "not_enough_data"


def test_a_proportion_enters_as_a_fraction_and_its_sii_is_in_percentage_points():
    """GIVEN a percentage rising from 50% to 70% across quintiles WHEN summarised THEN the SII is +25 points
    (20 points over ranks 0.1 to 0.9) and limits are in points too."""
    row = inequality_summary(quintiles([50, 55, 60, 65, 70], value_type="proportion", half_width=2.0),
                             draws=DRAWS, seed=1).iloc[0]
    assert row["sii"] == pytest.approx(25.0)
    assert 20 < row["sii_lower_95"] < 25 < row["sii_upper_95"] < 30


def test_a_group_lacking_a_quantile_keeps_its_row_without_indices():
    """GIVEN an organisation with no quintile 5 row WHEN summarised THEN its row is kept with the most deprived
    value, no least deprived value, gap or SII."""
    frame = quintiles([3000, 2750, 2500, 2250, 2000], area_code="RWP").iloc[:4]
    row = inequality_summary(frame, draws=DRAWS, seed=1).iloc[0]
    assert row["most_deprived_value"] == 3000.0
    assert row[["least_deprived_value", "absolute_gap", "sii", "sii_lower_95", "rii"]].isna().all()


def test_the_limits_depend_only_on_the_group_and_the_seed():
    """GIVEN one group alone and the same group beside another WHEN summarised with one seed THEN its limits are
    identical (common random numbers), and a different seed moves them."""
    one = quintiles([3000, 2750, 2500, 2250, 2000])
    both = pd.concat([one, quintiles([100, 200, 300, 400, 500], area_code="X")])
    alone = inequality_summary(one, draws=DRAWS, seed=7).iloc[0]
    beside = inequality_summary(both, draws=DRAWS, seed=7).set_index("area_code").loc["QGH"]
    assert alone["sii_lower_95"] == beside["sii_lower_95"]
    assert inequality_summary(one, draws=DRAWS, seed=8).iloc[0]["sii_lower_95"] != alone["sii_lower_95"]


def test_twelve_months_of_a_widening_gap_read_widening():
    """GIVEN 12 monthly quintile tables whose most deprived rate grows 100 a month (least deprived fixed)
    WHEN summarised THEN the last month's gap_trend_12m is widening and the first five not_enough_data."""
    months = pd.date_range("2025-01-01", periods=12, freq="MS")
    frame = pd.concat([quintiles(np.linspace(3000 + 100 * i, 2000, 5), period=str(m.date()), half_width=20.0)
                       for i, m in enumerate(months)])
    summary = inequality_summary(frame, draws=DRAWS, seed=1)
    assert list(summary["gap_trend_12m"][:5]) == ["not_enough_data"] * 5
    assert summary["gap_trend_12m"].iloc[-1] == "widening"


def test_no_quantiles_give_an_empty_summary_of_numbers():
    """GIVEN a build with no eligible measure yet WHEN summarised THEN the summary is empty, its statistics still
    typed as numbers (so the warehouse table keeps its column types)."""
    empty = quintiles([1, 2, 3, 4, 5]).iloc[:0]
    summary = inequality_summary(empty, draws=DRAWS, seed=1)
    assert summary.empty and list(summary.columns) == COLUMNS
    assert (summary.dtypes.loc["most_deprived_value":"rii_upper_95"] == "float64").all()
