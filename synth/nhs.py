"""Vectorised NHS Numbers: unique, valid modulus-11 check digits, in the synthetic (999) range when it fits."""

from __future__ import annotations

import numpy as np

_WEIGHTS = np.array([10, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)
SYNTHETIC_RANGE = (999_000_000, 1_000_000_000)  # 9-digit stems of 9990000000-9999999999 (test numbers)
ENGLAND_RANGE = (400_000_000, 500_000_000)  # stems of 4000000000-4999999999, used only when 999 is too small


def check_digit(stems: np.ndarray) -> np.ndarray:
    """Modulus-11 check digit of 9-digit stems; 10 means the stem cannot form a valid number.

    One pass per digit position keeps memory at a few arrays of len(stems), whatever the population."""
    stems = np.asarray(stems, dtype=np.int64)
    total = np.zeros(len(stems), dtype=np.int64)
    for position, weight in enumerate(_WEIGHTS):
        total += (stems // 10 ** (8 - position)) % 10 * weight
    check = 11 - total % 11
    return np.where(check == 11, 0, check)


def generate_nhs_numbers(n: int, rng: np.random.Generator, avoid: np.ndarray | None = None) -> np.ndarray:
    """``n`` distinct valid NHS Numbers (int64) in random order, none of them in ``avoid`` (numbers already given
    to another population of the same run)."""
    avoid = np.empty(0, dtype=np.int64) if avoid is None else np.asarray(avoid, dtype=np.int64)
    lo, hi = SYNTHETIC_RANGE
    if n + len(avoid) > 0.85 * (hi - lo):
        lo, hi = ENGLAND_RANGE
    taken = np.count_nonzero((avoid >= lo * 10) & (avoid < hi * 10))
    free = 1 - taken / ((hi - lo) * 10 / 11)  # share of the range's valid numbers still free (1 out of 11 is not)
    want = min(hi - lo, int(n * (1.15 if not taken else 1.5) / free) + 100)
    width = (hi - lo) / want  # one stem per stratum: distinct by construction
    stems = lo + (np.arange(want) * width).astype(np.int64) + rng.integers(0, max(1, int(width)), want)
    stems = np.minimum(stems, hi - 1)
    stems = np.unique(stems)
    check = check_digit(stems)
    valid = stems[check != 10] * 10 + check[check != 10]
    if taken:
        valid = valid[~np.isin(valid, avoid, assume_unique=True, kind="sort")]
    if len(valid) < n:
        raise ValueError(f"could not draw {n} NHS Numbers from the range")
    return rng.permutation(valid)[:n]


def is_valid(numbers: np.ndarray) -> np.ndarray:
    """Vectorised validity of 10-digit integers."""
    numbers = np.asarray(numbers, dtype=np.int64)
    check = check_digit(numbers // 10)
    return (check != 10) & (check == numbers % 10) & (numbers >= 1_000_000_000)


def corrupt_check_digit(numbers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Same stems with a wrong check digit (the kind of typo the modulus-11 check catches)."""
    numbers = np.asarray(numbers, dtype=np.int64)
    right = numbers % 10
    shift = rng.integers(1, 10, len(numbers))
    return numbers - right + (right + shift) % 10
