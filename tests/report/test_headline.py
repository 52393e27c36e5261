"""The overview's figures from published rows: direction of travel by polarity and the deprivation gap."""

from __future__ import annotations

import pandas as pd

from config.measures import load_measures
from config.settings import get_settings
from outcomes.report.headline import headline


def _rows(measure_id: str, values: dict[tuple[str, str, str], float | None]) -> pd.DataFrame:
    return pd.DataFrame([{"measure_id": measure_id, "area_type": "system", "area_code": "QGH", "breakdown": b,
                          "breakdown_value": v, "period_start": pd.Timestamp(p), "value": x, "lower_95": None,
                          "upper_95": None} for (p, b, v), x in values.items()])


def _measure(measure_id: str):
    settings = get_settings()
    return next(m for m in load_measures(settings.measures_dir, settings.contracts_dir) if m.id == measure_id)


def test_a_rise_in_a_lower_is_better_measure_is_worsening_and_the_gap_is_most_minus_least_deprived():
    """GIVEN readmissions (lower is better) rising from 10.0 to 12.5, quintile 1 at 15.0 and quintile 5 at 9.0 in
    the latest month WHEN the headline is worked out THEN worsening by +2.5, gap +6.0, the latest month's value."""
    rows = _rows("emergency_readmission_30d", {("2025-03-01", "all", "all"): 10.0,
                                               ("2025-04-01", "all", "all"): 12.5,
                                               ("2025-04-01", "imd_quintile", "1"): 15.0,
                                               ("2025-04-01", "imd_quintile", "5"): 9.0,
                                               ("2025-03-01", "imd_quintile", "1"): 1.0})
    h = headline(rows, _measure("emergency_readmission_30d"))
    assert (h.value, h.change, h.direction, h.gap) == (12.5, 2.5, "worsening", 6.0)
    assert h.period == pd.Timestamp("2025-04-01")


def test_a_suppressed_latest_value_falls_back_to_the_last_published_one_and_no_gap_without_both_ends():
    """GIVEN a higher-is-better measure whose May value is suppressed (empty) and whose least deprived fifth is
    suppressed WHEN the headline is worked out THEN April's value is shown, 'not enough periods', no gap."""
    rows = _rows("ed_4h_all_types", {("2025-04-01", "all", "all"): 74.0, ("2025-05-01", "all", "all"): None,
                                     ("2025-04-01", "imd_quintile", "1"): 70.0,
                                     ("2025-04-01", "imd_quintile", "5"): None})
    h = headline(rows, _measure("ed_4h_all_types"))
    assert (h.value, h.direction, h.gap, h.meets_target) == (74.0, "not enough periods", None, False)
