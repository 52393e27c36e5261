"""SII and RII point estimates and Monte-Carlo limits for groups whose every quantile is usable.

Two ways of reading the regression, as in PHEindicatormethods:

- direct (transform=False): the fit runs on the values themselves; each draw's SII is slope x multiplier and
  its RII (intercept + slope) / intercept (inverted when the multiplier is negative);
- back-transformed (transform=True): the fit runs on log or logit values; a slope s becomes the SII
  back(m + s/2) - back(m - s/2) (x multiplier) and the RII back(m + s/2) / back(m - s/2), around the fitted
  line's midpoint m, and the limits are the simulated slope's limits mapped the same way.

Each limit is read from the simulated order statistics through a monotone mapping, so the lower limit is the
smaller of the mapped lower and upper order statistics (a negative multiplier swaps them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from stats.confidence import suffix
from stats.montecarlo import BackTransform, error_band, limit_ranks, simulated_order_statistics
from stats.sii_design import regression_coefficients

Mapping = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Reading:
    """How draws become statistics: what to simulate, and for each statistic which draws and what mapping."""

    simulate: Callable[[np.ndarray, np.ndarray], list[np.ndarray]]
    read: dict[str, tuple[int, Mapping]]


def _invert_if(ratio: np.ndarray, multiplier: float) -> np.ndarray:
    return 1 / ratio if multiplier < 0 else ratio


def direct_reading(multiplier: float) -> Reading:
    identity: Mapping = lambda v: v  # noqa: E731
    return Reading(simulate=lambda s, i: [s * multiplier, _invert_if((i + s) / i, multiplier)],
                   read={"sii": (0, identity), "rii": (1, identity)})


def back_transformed_reading(back: Mapping, midpoint: np.ndarray, multiplier: float) -> Reading:
    def top(s: np.ndarray) -> np.ndarray:
        return back(midpoint[:, None] + s / 2)

    def bottom(s: np.ndarray) -> np.ndarray:
        return back(midpoint[:, None] - s / 2)

    return Reading(simulate=lambda s, i: [s],
                   read={"sii": (0, lambda s: (top(s) - bottom(s)) * multiplier),
                         "rii": (0, lambda s: _invert_if(top(s) / bottom(s), multiplier))})


def statistic_columns(confidence: Sequence[float], mc_error: bool) -> list[str]:
    """The output columns in order: sii and its limits, rii and its limits, intercept."""
    columns: list[str] = []
    for name in ("sii", "rii"):
        columns.append(name)
        for level in confidence:
            for side in ("lower", "upper"):
                columns += [f"{name}_{side}_{suffix(level)}", *([f"{name}_{side}_{suffix(level)}_mc_se"]
                                                                 if mc_error else [])]
    return [*columns, "intercept"]


def sii_statistics(population: np.ndarray, value: np.ndarray, centre: np.ndarray, spread: np.ndarray, *,
                   back: BackTransform | None, transform: bool, multiplier: float, confidence: Sequence[float],
                   draws: int, seed: int, mc_error: bool) -> dict[str, np.ndarray]:
    """sii, rii, intercept and their limits (and Monte-Carlo errors) for G groups x Q quantiles."""
    c0, c1 = regression_coefficients(population)
    fitted_on = centre if transform else value
    intercept, slope = (c0 * fitted_on).sum(axis=1), (c1 * fitted_on).sum(axis=1)
    if transform and back is not None:
        reading = back_transformed_reading(back, intercept + slope / 2, multiplier)
        points = {name: mapping(slope[:, None])[:, 0] for name, (_, mapping) in reading.read.items()}
        points["intercept"] = back(intercept) * abs(multiplier)
    else:
        reading = direct_reading(multiplier)
        points = {"sii": slope * multiplier, "rii": _invert_if((intercept + slope) / intercept, multiplier),
                  "intercept": intercept}
    limits = _limits(centre, spread, c0, c1, back=None if transform else back, reading=reading,
                     confidence=confidence, draws=draws, seed=seed, mc_error=mc_error)
    return {**points, **limits}


def _limits(centre: np.ndarray, spread: np.ndarray, c0: np.ndarray, c1: np.ndarray, *, back: BackTransform | None,
            reading: Reading, confidence: Sequence[float], draws: int, seed: int, mc_error: bool
            ) -> dict[str, np.ndarray]:
    ranks = {level: limit_ranks(draws, level) for level in confidence}
    at_limits = {rank for pair in ranks.values() for rank in pair}
    errors = {r for rank in at_limits for r in error_band(draws, rank)} if mc_error else set()  # what errors read
    wanted = sorted(at_limits | errors)
    column = {rank: i for i, rank in enumerate(wanted)}
    simulated = simulated_order_statistics(centre, spread, c0, c1, back=back, statistics=reading.simulate,
                                           ranks=wanted, draws=draws, seed=seed)
    out: dict[str, np.ndarray] = {}
    for name, (which, mapping) in reading.read.items():
        def at(rank: int, which: int = which, mapping: Mapping = mapping) -> np.ndarray:
            return mapping(simulated[which][:, [column[rank]]])[:, 0]

        def error(rank: int) -> np.ndarray:
            below, above = (at(r) for r in error_band(draws, rank))
            return np.abs(above - below) / 2

        for level, (low, high) in ranks.items():
            from_low = at(low) <= at(high)
            tag = suffix(level)
            out[f"{name}_lower_{tag}"] = np.where(from_low, at(low), at(high))
            out[f"{name}_upper_{tag}"] = np.where(from_low, at(high), at(low))
            if mc_error:
                out[f"{name}_lower_{tag}_mc_se"] = np.where(from_low, error(low), error(high))
                out[f"{name}_upper_{tag}_mc_se"] = np.where(from_low, error(high), error(low))
    return out
