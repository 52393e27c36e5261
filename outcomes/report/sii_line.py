"""The slope index of inequality drawn on a measure page, computed from the published (disclosure-controlled)
values of the five IMD quintiles, so that the report stays shareable.

The warehouse's ``marts.inequality_summary`` holds the SII from unrounded counts and is not a partner
publication; the report instead fits the same line (stats.sii, PHEindicatormethods' method: each quintile's value
weighted by its population, here the published denominator, against the midpoint of its cumulative population
rank, 0 = most deprived) to what is published. Its Monte-Carlo limits use DRAWS seeded draws (the limits'
Monte-Carlo error is about 0.7% of the interval's width). Because the counts behind it are rounded, it may differ
slightly from the warehouse's figure; the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stats.inequality_summary import SII_SCALE, sii_inputs
from stats.sii import slope_index_of_inequality

QUINTILES = ["1", "2", "3", "4", "5"]
DRAWS = 10_000
SEED = 2004
NOTE = ("The line is the slope index of inequality (SII) fitted to the published values of the five fifths, each "
        "weighted by its published denominator and placed at the middle of its share of the population (most "
        "deprived first): the SII is the line's value at the least deprived end minus that at the most deprived end. "
        "It is computed from the disclosure-controlled figures, so it may differ slightly from "
        "marts.inequality_summary's, which uses the true counts.")


@dataclass(frozen=True)
class SiiLine:
    sii: float
    lower_95: float
    upper_95: float
    fitted: pd.Series  # by quintile label: the line's value at the middle of that fifth's population rank

    def caption(self, unit_label: str) -> str:
        return (f"SII {self.sii:,.1f} {unit_label} (95% limits {self.lower_95:,.1f} to {self.upper_95:,.1f}); "
                "positive: the least deprived end is higher.")


def fit(quintiles: pd.DataFrame, value_type: str) -> SiiLine | None:
    """The SII line through the published quintile rows (breakdown_value '1' to '5', with value, lower_95,
    upper_95 and denominator), or None when the value type has no SII or a quintile lacks a published value,
    limits or denominator (suppressed cells are never filled in)."""
    if value_type not in SII_SCALE:
        return None
    rows = quintiles[quintiles["breakdown_value"].isin(QUINTILES)].set_index("breakdown_value").reindex(QUINTILES)
    needed = rows[["value", "lower_95", "upper_95", "denominator"]].astype("float64")
    if needed.isna().any().any() or (needed["denominator"] <= 0).any():
        return None
    frame, kind, multiplier, scale = sii_inputs(pd.DataFrame({
        "quantile": range(1, 6), "population": needed["denominator"].to_numpy(),
        **{c: needed[c].to_numpy() for c in ("value", "lower_95", "upper_95")}}), value_type)
    result = slope_index_of_inequality(frame, quantile="quantile", population="population", value_type=kind,
                                       multiplier=multiplier, confidence=(0.95,), draws=DRAWS, seed=SEED,
                                       rii=False, quantiles=range(1, 6)).iloc[0]
    if pd.isna(result["sii"]):
        return None
    share = needed["denominator"] / needed["denominator"].sum()
    midpoint = share.cumsum() - share / 2
    fitted = result["intercept"] * scale + result["sii"] * midpoint
    return SiiLine(sii=float(result["sii"]), lower_95=float(result["sii_lower_95"]),
                   upper_95=float(result["sii_upper_95"]), fitted=fitted.astype("float64").round(1))


def with_fitted(rows: pd.DataFrame, line: SiiLine | None) -> pd.DataFrame:
    """``rows`` with the line's value of each quintile in column ``sii_line`` (empty without a line)."""
    fitted = line.fitted if line is not None else pd.Series(dtype="float64")
    return rows.assign(sii_line=rows["breakdown_value"].map(fitted).astype("float64").replace({np.nan: None}))
