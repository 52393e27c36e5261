"""Slope index of inequality (SII) and relative index of inequality (RII) with Monte-Carlo limits, as
PHEindicatormethods' phe_sii computes them (regression in stats.sii_design, draws in stats.montecarlo).

Sign: quantile 1 is the most deprived and sits at relative rank 0, so SII = fitted value at the least deprived
end minus that at the most deprived end. A measure higher in more deprived areas has a negative SII (with the
default multiplier 1); a negative multiplier flips the SII and inverts the RII, as in the package.

value_type 'rate' or 'proportion': each quantile's standard error is taken on the log (rates) or logit
(proportions) scale, from its 95% limits, (t(upper) - t(lower)) / (2 x 1.959964), unless `se` (already on that
scale) is given; the simulated values are transformed back before the regression. With transform=True the
regression itself runs on the log or logit scale and the SII, RII and limits are transformed back around the
midpoint of the fitted line, as the package does.

Limits: each quantile's value is drawn from a normal distribution (its value, its standard error) `draws` times
from numpy.random.default_rng(seed); the regression is refitted on every draw and the limits are the order
statistics stats.montecarlo.limit_ranks names. A group lacking a quantile, or whose value, limits or population
cannot be used, gets no statistics and a `note` saying why (the package drops such groups with a warning).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import logit

from stats.arrays import as_float, refuse_where, shown
from stats.confidence import LEVELS, z_value
from stats.errors import StatsInputError
from stats.frames import grouped, require_columns
from stats.montecarlo import DEFAULT_DRAWS, BackTransform
from stats.sii_limits import sii_statistics, statistic_columns

ValueType = Literal["other", "rate", "proportion"]
DEFAULT_SEED = 2004
MIN_QUANTILES, MAX_QUANTILES = 5, 100


def expit(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The inverse logit 1 / (1 + exp(-x)) of a float array (into ``out`` when given: the draws are transformed
    in place), as scipy.special.expit computes it but with numpy's vectorised exp: twice as fast on the
    Monte-Carlo draws (7 against 15 ms for four million values), within 2 units in the last place of scipy's.
    Where exp(-x) overflows (x below -709) the result is 0, as scipy's."""
    if out is None:
        out = np.empty(np.shape(x))
    np.negative(x, out=out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)  # the same quotient as np.reciprocal, in half its time


@dataclass(frozen=True)
class Scale:
    """How a value type is transformed for its standard error and draws; no `back` for values used as they are."""

    forward: Callable[[np.ndarray], np.ndarray]
    back: BackTransform | None


SCALES: dict[str, Scale] = {
    "other": Scale(lambda v: v, None),
    "rate": Scale(np.log, np.exp),
    "proportion": Scale(logit, expit),
}


@dataclass
class QuantileTable:
    """One row per group, one column per quantile (1 = most deprived); NaN where the data gave nothing."""

    keys: pd.DataFrame
    levels: list[float]
    present: np.ndarray
    population: np.ndarray
    value: np.ndarray
    lower: np.ndarray | None
    upper: np.ndarray | None
    se: np.ndarray | None

    def where(self, group: int, quantile: int) -> str:
        key = ", ".join(f"{column}={self.keys.iat[group, i]!r}" for i, column in enumerate(self.keys.columns))
        return f"{key or 'the data'}, quantile {_label(self.levels[quantile])}"

    def refuse(self, bad: np.ndarray, values: np.ndarray, rule: str) -> None:
        if np.any(bad):
            group, quantile = (int(i) for i in np.argwhere(bad)[0])
            raise StatsInputError(f"{rule}; {self.where(group, quantile)} has {shown(values[group, quantile])}")


def slope_index_of_inequality(
        frame: pd.DataFrame, *, by: Sequence[str] = (), quantile: str = "quantile", population: str = "population",
        value: str = "value", lower: str | None = "lower_95", upper: str | None = "upper_95", se: str | None = None,
        value_type: ValueType = "other", transform: bool = False, multiplier: float = 1.0,
        confidence: Sequence[float] = LEVELS, draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED,
        rii: bool = True, mc_error: bool = False, quantiles: Sequence | None = None) -> pd.DataFrame:
    """One row per group: `by`..., sii and its limits, rii and its limits (if `rii`), intercept, note.

    Limit columns are named sii_lower_95, sii_upper_95, sii_lower_998, ... after the confidence levels; with
    `mc_error`, each limit also gets <limit>_mc_se, its Monte-Carlo standard error.
    """
    if value_type not in SCALES:
        raise StatsInputError(f"value_type must be one of {list(SCALES)}; got {value_type!r}")
    if transform and value_type == "other":
        raise StatsInputError("transform=True needs value_type 'rate' or 'proportion'")
    if se is None and (lower is None or upper is None):
        raise StatsInputError("the SII needs each quantile's standard error (se) or its 95% limits (lower, upper)")
    table = _quantile_table(frame, by, quantile, population, value, None if se else lower, None if se else upper,
                            se, quantiles)
    _refuse_impossible(table, value_type)
    scale = SCALES[value_type]
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = scale.forward(table.value)
        spread = table.se if table.se is not None else (
            (scale.forward(table.upper) - scale.forward(table.lower)) / (2 * z_value(0.95)))
    notes = _notes(table, centre, spread)
    ok = np.array([note is None for note in notes], dtype=bool)
    result = table.keys.reset_index(drop=True)
    for name in statistic_columns(confidence, mc_error):
        result[name] = np.nan
    if ok.any():
        computed = sii_statistics(table.population[ok], table.value[ok], centre[ok], spread[ok], back=scale.back,
                                  transform=transform, multiplier=multiplier, confidence=confidence,
                                  draws=draws, seed=seed, mc_error=mc_error)
        for name, values in computed.items():
            result.loc[ok, name] = values
    result["note"] = pd.Series(notes, dtype="str")  # missing where the group has its statistics
    return result if rii else result.drop(columns=[c for c in result.columns if c.startswith("rii")])


def _quantile_table(frame: pd.DataFrame, by: Sequence[str], quantile: str, population: str, value: str,
                    lower: str | None, upper: str | None, se: str | None, quantiles: Sequence | None
                    ) -> QuantileTable:
    columns = [c for c in [*by, quantile, population, value, lower, upper, se] if c]
    require_columns(frame, columns, "the slope index of inequality")
    rows = frame[columns].reset_index(drop=True)
    labels = as_float(rows[quantile], f"quantile labels ({quantile}; 1 = most deprived)")
    levels = sorted(set(labels[~np.isnan(labels)]) if quantiles is None else {float(q) for q in quantiles})
    if not MIN_QUANTILES <= len(levels) <= MAX_QUANTILES:
        raise StatsInputError(f"the SII needs {MIN_QUANTILES} to {MAX_QUANTILES} quantiles; got {len(levels)}")
    position = pd.Index(levels).get_indexer(labels)
    refuse_where(position < 0, labels, f"quantile ({quantile}) must be one of {levels}")
    ids = grouped(rows, by).ngroup().to_numpy()
    cells = ids * len(levels) + position
    repeated = pd.Series(cells).duplicated().to_numpy()
    refuse_where(repeated, labels, f"a group gives quantile ({quantile}) twice")
    first_rows = pd.Series(np.arange(len(rows))).groupby(ids).first().to_numpy()

    size = (ids.max() + 1 if len(ids) else 0) * len(levels)

    def spread_out(column: str | None) -> np.ndarray | None:
        if column is None:
            return None
        out = np.full(size, np.nan)
        out[cells] = as_float(rows[column], column)
        return out.reshape(-1, len(levels))

    present = np.zeros(size, dtype=bool)
    present[cells] = True
    return QuantileTable(keys=rows.loc[first_rows, list(by)], levels=levels,
                         present=present.reshape(-1, len(levels)), population=spread_out(population),
                         value=spread_out(value), lower=spread_out(lower), upper=spread_out(upper),
                         se=spread_out(se))


def _refuse_impossible(table: QuantileTable, value_type: str) -> None:
    table.refuse(table.population < 0, table.population, "quantile populations must not be negative")
    if table.se is not None:
        table.refuse(table.se < 0, table.se, "standard errors must not be negative")
    if table.lower is not None:
        table.refuse(table.lower > table.upper, table.lower, "a lower limit must not exceed its upper limit")
    if value_type == "proportion":
        for array in (table.value, table.lower, table.upper):
            if array is not None:
                table.refuse((array < 0) | (array > 1), array, "proportions and their limits must be in [0, 1]")


def _notes(table: QuantileTable, centre: np.ndarray, spread: np.ndarray) -> list[str | None]:
    """Why a group gets no SII (None where it gets one): the first problem found, naming the quantile."""
    problems = [
        (~table.present, "quantile {q} has no row"),
        (~(table.population > 0), "quantile {q} has no population"),
        (~np.isfinite(table.value), "quantile {q} has no value"),
        (~np.isfinite(centre), "quantile {q}'s value cannot be log or logit transformed (zero or one)"),
        (~np.isfinite(spread), "quantile {q} has no usable standard error or limits"),
    ]
    notes: list[str | None] = []
    for group in range(len(table.population)):
        found = next(((row, text) for bad, text in problems if (row := bad[group]).any()), None)
        notes.append(None if found is None else found[1].format(q=_label(table.levels[int(np.argmax(found[0]))])))
    return notes


def _label(level: float) -> str:
    return str(int(level)) if float(level).is_integer() else str(level)


