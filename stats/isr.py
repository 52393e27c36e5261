"""Indirectly standardised ratios and rates, as PHEindicatormethods' calculate_ISRatio and calculate_ISRate.

For one group with O observed events and n_i people in age band i, and reference events X_i in a reference
population N_i (joined by age band):

    E     = sum(X_i / N_i x n_i)                       expected events
    ratio = O / E x refvalue                           (standardised ratio, e.g. an SMR x 100)
    rate  = O / E x (sum X_i / sum N_i x multiplier)   (standardised rate)

Limits are those of the count O (exact below 10 events, Byar's from 10) scaled the same way. Missing events,
people or reference events count as zero, as in the package.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from stats.age_bands import parse_age_band
from stats.arrays import nonnegative, positive
from stats.confidence import LEVELS, suffix
from stats.frames import band_table, grouped, require_columns, ungrouped_keys
from stats.poisson import count_lower, count_upper


def _reference_table(reference: Mapping[str, tuple[float, float]]) -> dict:
    table = {}
    for label, (events, people) in reference.items():
        table[parse_age_band(label)] = (float(np.nan_to_num(nonnegative(events, f"reference events ({label})"))),
                                        float(positive(people, f"reference population ({label})")))
    return table


def _expected(frame: pd.DataFrame, *, by: Sequence[str], age_band: str, events: str, population: str,
              reference: Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    """Per group: observed (sum of events), expected, and the reference's crude rate (events per person)."""
    require_columns(frame, [*by, age_band, events, population], "an indirectly standardised statistic")
    rows = frame[[*by, age_band, events, population]].reset_index(drop=True)
    ref = band_table(rows, by, age_band, _reference_table(reference), what="reference population")
    ref_events, ref_people = np.array([r[0] for r in ref]), np.array([r[1] for r in ref])
    people = np.nan_to_num(nonnegative(rows[population], f"population ({population})"))
    rows = rows.assign(_o=np.nan_to_num(nonnegative(rows[events], f"events ({events})")),
                       _e=ref_events / ref_people * people, _rx=ref_events, _rn=ref_people)
    totals = grouped(rows, by).agg(observed=("_o", "sum"), expected=("_e", "sum"), _rx=("_rx", "sum"),
                                   _rn=("_rn", "sum"))
    totals["_ref_rate"] = totals["_rx"] / totals["_rn"]
    return totals.drop(columns=["_rx", "_rn"])


def _with_limits(totals: pd.DataFrame, scale: pd.Series, confidence: Sequence[float]) -> pd.DataFrame:
    factor = scale / totals["expected"]
    totals["value"] = totals["observed"] * factor
    for level in confidence:
        totals[f"lower_{suffix(level)}"] = count_lower(totals["observed"], level) * factor
        totals[f"upper_{suffix(level)}"] = count_upper(totals["observed"], level) * factor
    return totals


def indirectly_standardised_ratio(frame: pd.DataFrame, *, reference: Mapping[str, tuple[float, float]],
                                  by: Sequence[str] = (), age_band: str = "age_band", events: str = "events",
                                  population: str = "population", refvalue: float = 1,
                                  confidence: Sequence[float] = LEVELS) -> pd.DataFrame:
    """One row per group: observed, expected, value (O / E x refvalue) and its limits."""
    totals = _expected(frame, by=by, age_band=age_band, events=events, population=population, reference=reference)
    totals = _with_limits(totals, pd.Series(float(refvalue), index=totals.index), confidence)
    return ungrouped_keys(totals.drop(columns="_ref_rate"), by)


def indirectly_standardised_rate(frame: pd.DataFrame, *, reference: Mapping[str, tuple[float, float]],
                                 by: Sequence[str] = (), age_band: str = "age_band", events: str = "events",
                                 population: str = "population", multiplier: float = 100_000,
                                 confidence: Sequence[float] = LEVELS) -> pd.DataFrame:
    """One row per group: observed, expected, ref_rate, value (O / E x ref_rate) and its limits."""
    totals = _expected(frame, by=by, age_band=age_band, events=events, population=population, reference=reference)
    totals.insert(2, "ref_rate", totals.pop("_ref_rate") * multiplier)
    return ungrouped_keys(_with_limits(totals, totals["ref_rate"], confidence), by)
