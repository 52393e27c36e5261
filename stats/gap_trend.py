"""Whether an inequality gap is narrowing or widening: the trend of the slope index of inequality over the last
12 monthly periods (docs/inequalities.md, "gap_trend_12m").

For each period, the window is that month and the 11 before it. With fewer than ``min_periods`` SIIs (each with
its 95% limits) in the window the trend is ``not_enough_data``. Otherwise the SIIs are fitted on the month number
by weighted least squares, each weighted by 1 / se^2 with se = (upper - lower) / (2 x 1.959964) (its 95%
interval); when the slope's 95% interval (slope +/- 1.959964 x its standard error, sqrt(1 / sum w (x - x_w)^2))
holds zero, ``no_significant_change``; else ``widening`` when the slope moves the fitted SII at the window's last
month further from zero (same sign) and ``narrowing`` when it moves it towards zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from stats.confidence import z_value

WINDOW_MONTHS = 12
MIN_PERIODS = 6
TRENDS = ("narrowing", "widening", "no_significant_change", "not_enough_data")


def judge_trend(months: np.ndarray, sii: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                min_periods: int = MIN_PERIODS) -> str:
    """The trend of one window's SIIs (month numbers, SIIs and their 95% limits; missing SIIs are skipped)."""
    se = (upper - lower) / (2 * z_value(0.95))
    usable = np.isfinite(sii) & np.isfinite(se) & (se > 0)
    if usable.sum() < min_periods:
        return "not_enough_data"
    x, y, w = months[usable].astype(float), sii[usable], 1 / se[usable] ** 2
    x_mean = np.sum(w * x) / np.sum(w)
    spread = np.sum(w * (x - x_mean) ** 2)
    slope = np.sum(w * (x - x_mean) * y) / spread
    slope_se = np.sqrt(1 / spread)
    if abs(slope) <= z_value(0.95) * slope_se:
        return "no_significant_change"
    fitted_last = np.sum(w * y) / np.sum(w) + slope * (x.max() - x_mean)
    if fitted_last == 0:
        return "no_significant_change"
    return "widening" if np.sign(slope) == np.sign(fitted_last) else "narrowing"


def gap_trends(frame: pd.DataFrame, *, by: Sequence[str], period: str = "period_start", sii: str = "sii",
               lower: str = "sii_lower_95", upper: str = "sii_upper_95",
               min_periods: int = MIN_PERIODS) -> pd.Series:
    """The trend of every row of ``frame`` (one row per series ``by`` and monthly ``period``), judged on the
    series' rows in the 12 months ending at the row's period; aligned with ``frame``'s index."""
    stamps = pd.to_datetime(frame[period])
    month = (stamps.dt.year * 12 + stamps.dt.month).to_numpy()
    values = {name: frame[name].to_numpy(dtype=float) for name in (sii, lower, upper)}
    trends = pd.Series("not_enough_data", index=frame.index, dtype="object")
    for _, rows in frame.groupby(list(by), sort=False, dropna=False).indices.items():
        for row in rows:
            window = rows[(month[rows] <= month[row]) & (month[rows] > month[row] - WINDOW_MONTHS)]
            trends.iloc[row] = judge_trend(month[window], values[sii][window], values[lower][window],
                                           values[upper][window], min_periods)
    return trends
