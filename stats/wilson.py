"""Wilson score limits for a proportion x of n (Wilson 1927; Newcombe and Altman 2000), as PHEindicatormethods:

    (2x + z^2 -/+ z sqrt(z^2 + 4x (1 - x/n))) / (2 (n + z^2)),  z = qnorm(c + (1 - c) / 2)

The lower limit is exactly 0 when x = 0 and the upper exactly 1 when x = n (the formula's values there, which
floating-point rounding would miss by 1e-17). Missing x or n (NaN) give missing limits; x < 0, n <= 0 or x > n
are refused.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from stats.arrays import as_float, nonnegative, positive, refuse_where
from stats.confidence import as_fraction, z_value


def _checked(successes: ArrayLike, trials: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x = nonnegative(successes, "numerators")
    n = positive(trials, "denominators")
    x, n = np.broadcast_arrays(x, n)
    refuse_where(x > n, x, "numerators must not exceed their denominators for a Wilson score")
    return x, n


def _wilson(x: np.ndarray, n: np.ndarray, confidence: float, sign: float) -> np.ndarray:
    z = z_value(confidence)
    limit = (2 * x + z**2 + sign * z * np.sqrt(z**2 + 4 * x * (1 - x / n))) / 2 / (n + z**2)
    # the formula's exact values at its ends (rounding would leave -1e-17 or 1 - 1e-16 there)
    return np.where((sign < 0) & (x == 0), 0.0, np.where((sign > 0) & (x == n), 1.0, limit))


def wilson_lower(successes: ArrayLike, trials: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    x, n = _checked(successes, trials)
    if as_fraction(confidence) == 1:
        return np.where(np.isnan(x + n), np.nan, 0.0)
    return _wilson(x, n, confidence, -1.0)


def wilson_upper(successes: ArrayLike, trials: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    x, n = _checked(successes, trials)
    if as_fraction(confidence) == 1:
        return np.where(np.isnan(x + n), np.nan, 1.0)
    return _wilson(x, n, confidence, +1.0)


def proportion(successes: ArrayLike, trials: ArrayLike, multiplier: float = 1,
               confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A proportion (x 100 for a percentage) with its Wilson limits: (value, lower, upper)."""
    x, n = _checked(as_float(successes, "numerators"), as_float(trials, "denominators"))
    return (x / n * multiplier, wilson_lower(x, n, confidence) * multiplier,
            wilson_upper(x, n, confidence) * multiplier)
