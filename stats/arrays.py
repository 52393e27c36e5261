"""Input checks shared by the row-wise statistics: numbers in, float arrays out, missing values kept as NaN."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from stats.errors import StatsInputError


def as_float(values: ArrayLike, what: str) -> np.ndarray:
    """A float array (None and NaN both become NaN, which every statistic passes through as missing)."""
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{what} must be numbers; got {values!r}") from exc


def refuse_where(bad: np.ndarray, values: np.ndarray, rule: str) -> None:
    """Raise naming the rule, the first offending position and its value, when any element breaks the rule."""
    if np.any(bad):
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        position = where[0] if len(where) == 1 else where
        raise StatsInputError(f"{rule}; row {position} has {shown(values[where])}")


def shown(value: object) -> str:
    """A value as an error message shows it: -200.0, not np.float64(-200.0)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def nonnegative(values: ArrayLike, what: str) -> np.ndarray:
    array = as_float(values, what)
    refuse_where(array < 0, array, f"{what} must be zero or more")
    return array


def positive(values: ArrayLike, what: str) -> np.ndarray:
    array = as_float(values, what)
    refuse_where(array <= 0, array, f"{what} must be greater than zero")
    return array
