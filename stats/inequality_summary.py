"""The inequality summary (marts.inequality_summary; docs/inequalities.md): for each measure, period, area and
deprivation dimension, the values at the most and least deprived ends, their absolute and relative gaps, the
slope and relative indices of inequality with seeded Monte-Carlo 95% limits, and the trend of the gap.

Input: one row per group and deprivation quantile (1 most deprived) with value_type (proportion, rate or dsr),
period_type, population, value and 95% limits, values in the published unit (a percentage for proportions).
The SII is computed once per group, every group in one vectorised call per value type (stats.sii); draws and
seed are the caller's (100,000 and 2004 in the warehouse, fewer in tests).
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from stats.gap_trend import gap_trends
from stats.sii import slope_index_of_inequality

GROUP = ["measure_id", "period_start", "period_end", "area_type", "area_code", "dimension"]
SERIES = ["measure_id", "area_type", "area_code", "dimension"]
QUANTILES = {"imd_decile": range(1, 11), "imd_quintile": range(1, 6)}
SII_COLUMNS = ["sii", "sii_lower_95", "sii_upper_95", "rii", "rii_lower_95", "rii_upper_95"]
STATISTICS = ["most_deprived_value", "least_deprived_value", "absolute_gap", "relative_gap", *SII_COLUMNS]
COLUMNS = [*GROUP, *STATISTICS, "gap_trend_12m"]
# How each registry value type enters the SII: (stats value_type, multiplier): proportions as fractions whose
# SII is put back in percentage points; rates and directly standardised rates as they are (per 100,000).
SII_SCALE = {"proportion": ("proportion", 100.0), "rate": ("rate", 1.0), "dsr": ("rate", 1.0)}


class SiiInputs(NamedTuple):
    frame: pd.DataFrame  # the rows, value and limits in the unit stats.sii takes
    kind: str  # stats.sii's value_type
    multiplier: float  # puts the SII back in the published unit (percentage points for a proportion)
    scale: float  # what the published values were divided by (100 for a proportion's percentages, else 1)


def sii_inputs(frame: pd.DataFrame, value_type: str) -> SiiInputs:
    """How published rows of a registry ``value_type`` (a key of SII_SCALE) enter
    stats.sii.slope_index_of_inequality: ``frame`` with its value, lower_95 and upper_95 columns divided by
    ``scale`` (a proportion's percentages into fractions; rates as they are), stats.sii's value_type and the
    multiplier from SII_SCALE. Multiplying a fitted value (the line's intercept) by ``scale`` puts it back in
    the published unit. The warehouse's summary and the report's SII line both go through here."""
    kind, multiplier = SII_SCALE[value_type]
    scale = 100.0 if kind == "proportion" else 1.0
    return SiiInputs(frame.assign(**{c: frame[c] / scale for c in ("value", "lower_95", "upper_95")}), kind,
                     multiplier, scale)


def _ends(quantiles: pd.DataFrame) -> pd.DataFrame:
    most = quantiles[quantiles["quantile"] == 1].set_index(GROUP)["value"]
    last = quantiles["dimension"].map(lambda d: max(QUANTILES[d]))
    least = quantiles[quantiles["quantile"] == last].set_index(GROUP)["value"]
    ends = (quantiles[GROUP].drop_duplicates().set_index(GROUP)
            .join(most.rename("most_deprived_value")).join(least.rename("least_deprived_value")))
    ends["absolute_gap"] = ends["most_deprived_value"] - ends["least_deprived_value"]
    ends["relative_gap"] = ends["most_deprived_value"] / ends["least_deprived_value"].where(
        ends["least_deprived_value"] != 0)
    return ends


def indices(quantiles: pd.DataFrame, draws: int, seed: int) -> pd.DataFrame:
    """The SII and RII with their limits (SII_COLUMNS), indexed by GROUP, for the groups of ``quantiles`` that
    have every quantile's value (the others have no row)."""
    parts = []
    for (value_type, dimension), rows in quantiles.groupby(["value_type", "dimension"], sort=True):
        frame, kind, multiplier, _ = sii_inputs(rows, value_type)
        parts.append(slope_index_of_inequality(
            frame, by=GROUP, quantile="quantile", population="population", value="value", lower="lower_95",
            upper="upper_95", value_type=kind, multiplier=multiplier, confidence=(0.95,), draws=draws, seed=seed,
            quantiles=QUANTILES[dimension]))
    if not parts:
        return pd.DataFrame(columns=[*GROUP, *SII_COLUMNS]).set_index(GROUP)
    return pd.concat(parts).set_index(GROUP)


def inequality_summary(quantiles: pd.DataFrame, *, draws: int = 0, seed: int = 0,
                       sii: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per group of ``quantiles`` (see the module's docstring), in the columns of COLUMNS. The SII and
    RII are ``sii``'s (GROUP and SII_COLUMNS, e.g. stats.sii_memo's, which reuses unchanged groups' statistics)
    when given, else computed here with ``draws`` and ``seed``."""
    if sii is None:
        found = indices(quantiles, draws, seed)
    else:
        found = sii.assign(**{c: pd.to_datetime(sii[c]) for c in ("period_start", "period_end")}).set_index(
            GROUP)[SII_COLUMNS]
        quantiles = quantiles.assign(**{c: pd.to_datetime(quantiles[c]) for c in ("period_start", "period_end")})
    summary = _ends(quantiles).join(found, how="left").reset_index()
    periods = quantiles.drop_duplicates(GROUP).set_index(GROUP)["period_type"]
    summary["period_type"] = summary.set_index(GROUP).index.map(periods)
    summary = summary.sort_values(GROUP, ignore_index=True)
    monthly = summary["period_type"] == "month"
    summary["gap_trend_12m"] = "not_enough_data"
    if monthly.any():
        summary.loc[monthly, "gap_trend_12m"] = gap_trends(summary[monthly].reset_index(drop=True),
                                                           by=SERIES).to_numpy()
    return summary[COLUMNS].astype({name: "float64" for name in STATISTICS} | {"gap_trend_12m": "object"})
