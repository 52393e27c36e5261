"""Confidence levels as PHEindicatormethods takes them: 0.95 and 0.998 (or 95 and 99.8), and their z values."""

from __future__ import annotations

from scipy.special import ndtri

from stats.errors import StatsInputError

#: The two levels every measure carries (Fingertips: 95% and 99.8%).
LEVELS: tuple[float, float] = (0.95, 0.998)


def as_fraction(confidence: float) -> float:
    """0.95 -> 0.95 and 95 -> 0.95; anything outside [0.9, 1] (or [90, 100]) is refused, as the R package does."""
    value = float(confidence)
    if 90 <= value <= 100:
        value /= 100
    if not 0.9 <= value <= 1:
        raise StatsInputError(
            f"confidence level must be between 0.9 and 1 (or 90 and 100); got {confidence!r}")
    return value


def z_value(confidence: float) -> float:
    """The two-sided normal quantile: qnorm(c + (1 - c) / 2), e.g. 1.959964 for 0.95 and 3.090232 for 0.998."""
    c = as_fraction(confidence)
    return float(ndtri(c + (1 - c) / 2))  # scipy.stats.norm.ppf's own function, without importing scipy.stats


def suffix(confidence: float) -> str:
    """Column suffix for a level: 0.95 -> '95', 0.998 -> '998', 0.99 -> '99' (the outcomes table's naming)."""
    percent = f"{as_fraction(confidence) * 100:.1f}".rstrip("0").rstrip(".")
    return percent.replace(".", "")
