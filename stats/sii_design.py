"""The weighted regression behind the slope and relative indices of inequality (Low and Low 2004).

Quantiles are ordered from 1 (most deprived) upwards. For quantile i with population share a_i, its relative
rank is the midpoint of its slice of the cumulative population: b_i = a_1 + ... + a_(i-1) + a_i / 2. The fit
y_i sqrt(a_i) = b0 sqrt(a_i) + b1 b_i sqrt(a_i) (no intercept term, least squares) gives the fitted value at the
most deprived end b0 (the "intercept") and the slope b1: SII = b1, RII = (b0 + b1) / b0.

The estimates are linear in y, so they are returned as coefficient vectors: b0 = sum(c0_i y_i) and
b1 = sum(c1_i y_i), for many groups at once.
"""

from __future__ import annotations

import numpy as np


def relative_ranks(populations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Population shares a and relative ranks b (groups x quantiles), from populations in quantile order."""
    a = populations / populations.sum(axis=1, keepdims=True)
    before = np.concatenate([np.zeros_like(a[:, :1]), np.cumsum(a, axis=1)[:, :-1]], axis=1)
    return a, a / 2 + before


def regression_coefficients(populations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """c0 and c1 (groups x quantiles) such that intercept = sum(c0 y) and slope = sum(c1 y) for values y."""
    a, b = relative_ranks(populations)
    root = np.sqrt(a)
    design = np.stack([root, b * root], axis=2)                    # groups x quantiles x 2
    transposed = design.transpose(0, 2, 1)                         # groups x 2 x quantiles
    solved = np.linalg.solve(transposed @ design, transposed)      # (X'X)^-1 X'
    return solved[:, 0, :] * root, solved[:, 1, :] * root
