"""Directly standardised rates with Dobson limits (Dobson et al. 1991), as PHEindicatormethods' calculate_dsr.

For one group, with x_i events, n_i people and standard weight w_i in age band i, and O = sum(x_i):

    DSR   = sum(x_i w_i / n_i) / sum(w_i) x multiplier
    var   = sum(x_i (w_i / n_i)^2) / sum(w_i)^2
    limit = DSR + sqrt(var / O) (Byar_limit(O) - O) x multiplier

Value and limits are not shown (missing) when O < 10. Weights are joined to the data by age band, and every
group must give every band of the standard once. Missing event counts count as zero (as in the package). A band
with no population and no events adds nothing (the package refuses any band without population; a small
breakdown can have such bands, and its other bands are still worth standardising); events without population
are refused.

Non-independent events (one person may have several: `event_frequency`): each row then counts the people in a
band who had that many events; the variance is sum over frequencies f of f^2 var_f, where var_f is the variance
above computed from the people with f events, and the DSR is that of all their events (sum of f x people).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from stats.arrays import as_float, nonnegative, refuse_where
from stats.confidence import LEVELS, suffix
from stats.frames import band_table, grouped, require_columns, ungrouped_keys
from stats.poisson import byars_lower, byars_upper
from stats.standard_populations import ESP2013, standard_weights

#: Below this total count a DSR and its limits are not shown.
SHOWN_FROM = 10


def dobson_limits(value: ArrayLike, variance: ArrayLike, total_count: ArrayLike, multiplier: float,
                  confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Dobson limits of a DSR (already x multiplier) from its variance and total count; missing below 10."""
    dsr, var = as_float(value, "DSR values"), as_float(variance, "DSR variances")
    o = nonnegative(total_count, "total counts")
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(var / o)
        lower = dsr + root * (byars_lower(o, confidence) - o) * multiplier
        upper = dsr + root * (byars_upper(o, confidence) - o) * multiplier
    shown = o >= SHOWN_FROM
    return np.where(shown, lower, np.nan), np.where(shown, upper, np.nan)


def directly_standardised_rate(frame: pd.DataFrame, *, by: Sequence[str] = (), age_band: str = "age_band",
                               events: str = "events", population: str = "population",
                               standard: Mapping[str, float] = ESP2013, multiplier: float = 100_000,
                               confidence: Sequence[float] = LEVELS,
                               event_frequency: str | None = None) -> pd.DataFrame:
    """One row per group: `by`..., total_count, total_pop, value, lower_95, upper_95, lower_998, upper_998."""
    columns = [*by, age_band, events, population, *([event_frequency] if event_frequency else [])]
    require_columns(frame, columns, "a directly standardised rate")
    rows = frame[columns].reset_index(drop=True)
    weights = standard_weights(standard)
    rows["_w"] = band_table(rows, by, age_band, weights, also_key=[event_frequency] if event_frequency else ())
    rows["_x"] = np.nan_to_num(nonnegative(rows[events], f"events ({events})"), nan=0.0)
    rows["_n"] = as_float(rows[population], f"population ({population})")
    n, x = rows["_n"].to_numpy(), rows["_x"].to_numpy()
    refuse_where(~(n >= 0), n, f"population ({population}) must be given, and zero or more, in every age band")
    refuse_where((n == 0) & (x > 0), x, f"events ({events}) need a population: an age band with none has events")
    if event_frequency:
        totals = _nonindependent_totals(rows, by, age_band, event_frequency)
    else:
        totals = _sums(rows, by)
        totals["_var"] = totals["_sq"] / totals["_w"] ** 2
    totals["value"] = totals["_wt"] / totals["_w"] * multiplier
    for level in confidence:
        lower, upper = dobson_limits(totals["value"], totals["_var"], totals["total_count"], multiplier, level)
        totals[f"lower_{suffix(level)}"], totals[f"upper_{suffix(level)}"] = lower, upper
    totals.loc[totals["total_count"] < SHOWN_FROM, "value"] = np.nan
    return ungrouped_keys(totals.drop(columns=["_wt", "_sq", "_w", "_var"]), by)


def _sums(rows: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Per group: total count and population, sum of weighted rates, of squared weighted rates, of weights."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = rows["_w"] / rows["_n"]
    events = rows["_x"] > 0  # a band with no events adds nothing (and may have no population)
    parts = rows.assign(_wt=(rows["_x"] * rate).where(events, 0.0), _sq=(rows["_x"] * rate**2).where(events, 0.0))
    return grouped(parts, keys).agg(total_count=("_x", "sum"), total_pop=("_n", "sum"), _wt=("_wt", "sum"),
                                    _sq=("_sq", "sum"), _w=("_w", "sum"))


def _nonindependent_totals(rows: pd.DataFrame, by: Sequence[str], age_band: str, frequency: str) -> pd.DataFrame:
    """Sums over all events, with the variance adjusted for people who had several (sum of f^2 var_f)."""
    f = nonnegative(rows[frequency], f"event frequency ({frequency})")
    refuse_where(np.isnan(f), f, f"event frequency ({frequency}) must not be missing")
    by_frequency = _sums(rows, [*by, frequency])
    f_of_group = by_frequency.index.get_level_values(frequency).to_numpy(dtype=float)
    var_f = by_frequency["_sq"] / by_frequency["_w"] ** 2 * f_of_group**2
    variance = grouped(var_f.to_frame("_var"), list(by)).sum() if by else pd.DataFrame(
        {"_var": [var_f.sum()]}, index=pd.Index([0], name="_all"))
    bands = rows.assign(_x=rows["_x"] * f)
    per_band = grouped(bands, [*by, age_band]).agg(_x=("_x", "sum"), _n=("_n", "first"), _w=("_w", "first"),
                                                  _n_max=("_n", "max"), _n_min=("_n", "min"))
    mismatch = per_band["_n_max"] != per_band["_n_min"]
    refuse_where(mismatch.to_numpy(), per_band.index.to_numpy(),
                 "population must be the same on every event-frequency row of an age band")
    totals = _sums(per_band.reset_index(), by)
    return totals.join(variance)
