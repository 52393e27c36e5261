"""Limits for a count of events (Poisson): Byar's approximation, and the exact limits used below 10 events.

Formulas as PHEindicatormethods implements them (Breslow and Day 1987), with z = qnorm(c + (1 - c) / 2):

- Byar's lower  O (1 - 1/(9 O) - z / (3 sqrt O))^3, missing where it would be negative;
- Byar's upper  (O + 1) (1 - 1/(9 (O + 1)) + z / (3 sqrt(O + 1)))^3;
- exact lower   chi2_quantile((1 - c) / 2, 2 O) / 2 (0 when O = 0);
- exact upper   chi2_quantile(c + (1 - c) / 2, 2 O + 2) / 2.

Missing counts (NaN) give missing limits; a negative count is refused.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import gammaincinv

from stats.arrays import nonnegative, positive
from stats.confidence import as_fraction, z_value

#: Below this many events a rate's limits are exact Poisson, from here on Byar's (PHE/Fingertips rule).
EXACT_BELOW = 10


def byars_lower(observed: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    o = nonnegative(observed, "observed events")
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
    return np.where(lower < 0, np.nan, lower)


def byars_upper(observed: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    o1 = nonnegative(observed, "observed events") + 1
    z = z_value(confidence)
    return o1 * (1 - 1 / (9 * o1) + z / (3 * np.sqrt(o1))) ** 3


def chi2_quantile(p: ArrayLike, df: ArrayLike) -> np.ndarray:
    """The chi-squared distribution's quantile (R's qchisq): 2 gammaincinv(df / 2, p), the function
    scipy.stats.chi2.ppf itself evaluates, called directly because importing scipy.stats takes half a second of
    every dbt build (the SII model imports this package). NaN where df is not positive."""
    return 2 * gammaincinv(np.divide(df, 2), p)


def exact_lower(observed: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    o = nonnegative(observed, "observed events")
    c = as_fraction(confidence)
    with np.errstate(invalid="ignore"):
        lower = chi2_quantile((1 - c) / 2, 2 * o) / 2
    return np.where(o == 0, 0.0, lower)


def exact_upper(observed: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    o = nonnegative(observed, "observed events")
    c = as_fraction(confidence)
    return chi2_quantile(c + (1 - c) / 2, 2 * o + 2) / 2


def count_lower(observed: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Lower limit of a count: exact below 10 events, Byar's from 10."""
    o = nonnegative(observed, "observed events")
    return np.where(o < EXACT_BELOW, exact_lower(o, confidence), byars_lower(o, confidence))


def count_upper(observed: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Upper limit of a count: exact below 10 events, Byar's from 10."""
    o = nonnegative(observed, "observed events")
    return np.where(o < EXACT_BELOW, exact_upper(o, confidence), byars_upper(o, confidence))


def count_method(observed: ArrayLike) -> np.ndarray:
    """'Exact' or 'Byars' per count (None where the count is missing), as the package labels its limits."""
    o = nonnegative(observed, "observed events")
    return np.where(np.isnan(o), None, np.where(o < EXACT_BELOW, "Exact", "Byars"))


def rate(events: ArrayLike, denominator: ArrayLike, multiplier: float = 100_000,
         confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A crude rate per `multiplier` with its limits: (value, lower, upper)."""
    x = nonnegative(events, "numerators")
    n = positive(denominator, "denominators")
    scale = multiplier / n
    return x * scale, count_lower(x, confidence) * scale, count_upper(x, confidence) * scale
