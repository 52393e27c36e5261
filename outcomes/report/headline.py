"""The front page's figures per measure, from published rows: the system's latest value against its target, the
direction of travel since the previous period, and the gap between the most and least deprived fifth."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from config.measures import Measure

SYSTEM = "system"
MOST_DEPRIVED, LEAST_DEPRIVED = "1", "5"  # IMD quintiles: 1 is the most deprived fifth


@dataclass
class Headline:
    measure: Measure
    period: pd.Timestamp | None
    value: float | None
    target: float | None
    meets_target: bool | None
    change: float | None  # latest minus previous period's value
    direction: str  # improving, worsening, no change, up, down, or "not enough periods"
    gap: float | None  # most deprived fifth minus least deprived fifth, latest period
    trend: pd.DataFrame  # the system's headline rows, oldest first


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value) else float(value)


def system_rows(values: pd.DataFrame, measure_id: str, breakdown: str = "all") -> pd.DataFrame:
    """The system's rows of one measure and breakdown, oldest period first."""
    rows = values[(values["measure_id"] == measure_id) & (values["area_type"] == SYSTEM)
                  & (values["breakdown"] == breakdown)]
    return rows.sort_values(["period_start", "breakdown_value"]).reset_index(drop=True)


def direction(change: float | None, polarity: str) -> str:
    """Words for a change: improving or worsening by the measure's polarity; up or down without one."""
    if change is None:
        return "not enough periods"
    if change == 0:
        return "no change"
    if polarity == "none":
        return "up" if change > 0 else "down"
    better = change > 0 if polarity == "higher_is_better" else change < 0
    return "improving" if better else "worsening"


def deprivation_gap(values: pd.DataFrame, measure_id: str, period) -> float | None:
    """Most deprived minus least deprived fifth (system, ``period``); None when either value is not published."""
    rows = system_rows(values, measure_id, "imd_quintile")
    rows = rows[rows["period_start"] == period].set_index("breakdown_value")["value"]
    most, least = (_number(rows.get(q)) for q in (MOST_DEPRIVED, LEAST_DEPRIVED))
    return None if most is None or least is None else most - least


def headline(values: pd.DataFrame, measure: Measure) -> Headline:
    trend = system_rows(values, measure.id)
    published = trend.dropna(subset=["value"])
    target = measure.target.value if measure.target else None
    if published.empty:
        return Headline(measure, None, None, target, None, None, direction(None, measure.polarity), None, trend)
    last = published.iloc[-1]
    value = float(last["value"])
    change = value - float(published.iloc[-2]["value"]) if len(published) > 1 else None
    meets = None
    if target is not None:
        meets = value >= target if measure.polarity == "higher_is_better" else value <= target
    return Headline(measure, last["period_start"], value, target, meets, change,
                    direction(change, measure.polarity), deprivation_gap(values, measure.id, last["period_start"]),
                    trend)
