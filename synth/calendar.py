"""Months of the window and vectorised sampling of event dates and times (weekday, hour and winter patterns)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Winter pressure: the rate multiplier by calendar month (1 = January). Documented in docs/synthetic-data.md.
SEASON = np.array([np.nan, 1.12, 1.08, 1.00, 0.96, 0.98, 0.97, 1.00, 0.94, 0.97, 1.00, 1.05, 1.12])
# Emergency care weekday pattern, Monday first (Monday busiest, weekends quieter).
WEEKDAY_URGENT = np.array([1.15, 1.04, 1.00, 1.00, 1.00, 0.92, 0.89])
# Planned care (outpatients, elective admissions, community visits): weekdays only, a few weekend sessions.
WEEKDAY_PLANNED = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.06, 0.02])
# Arrivals by hour of day for urgent care (peaks late morning to early evening).
HOUR_URGENT = np.array([2, 1.6, 1.3, 1.1, 1, 1.1, 1.6, 2.6, 4.2, 5.6, 6.2, 6.3, 6.1, 5.9, 5.8, 5.7, 5.8, 5.9, 5.6,
                        5.0, 4.3, 3.6, 3.0, 2.4])
HOUR_PLANNED = np.array([0, 0, 0, 0, 0, 0, 0, 0.2, 3, 6, 6, 6, 4, 5, 6, 6, 5, 2, 0.5, 0, 0, 0, 0, 0])


@dataclass(frozen=True)
class Month:
    index: int  # 0 = first month of the window
    start: np.datetime64  # datetime64[D], first day
    end: np.datetime64  # first day of the next month

    @property
    def label(self) -> str:
        return str(self.start)[:7]

    @property
    def days(self) -> int:
        return int((self.end - self.start).astype(int))

    @property
    def calendar_month(self) -> int:
        return int(str(self.start)[5:7])

    @property
    def season(self) -> float:
        return float(SEASON[self.calendar_month])

    @property
    def exposure(self) -> float:
        """Person-years per person in this month."""
        return self.days / 365.25


def months(start: str, count: int) -> list[Month]:
    first = np.datetime64(start, "M")
    return [Month(i, (first + i).astype("datetime64[D]"), (first + i + 1).astype("datetime64[D]"))
            for i in range(count)]


def sample_days(month: Month, n: int, rng: np.random.Generator, weekday: np.ndarray = WEEKDAY_URGENT) -> np.ndarray:
    """``n`` dates in ``month`` (datetime64[D]) weighted by the weekday pattern."""
    days = month.start + np.arange(month.days)
    wd = (days.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-01 was a Thursday: Monday = 0
    w = weekday[wd]
    return days[rng.choice(len(days), size=n, p=w / w.sum())]


def sample_times(days: np.ndarray, rng: np.random.Generator, hours: np.ndarray = HOUR_URGENT) -> np.ndarray:
    """A time of day for each date (datetime64[s]) weighted by the hour profile."""
    h = rng.choice(24, size=len(days), p=hours / hours.sum())
    secs = h * 3600 + rng.integers(0, 3600, len(days))
    return days.astype("datetime64[s]") + secs.astype("timedelta64[s]")


def weekday(dates: np.ndarray) -> np.ndarray:
    return (dates.astype("datetime64[D]").view("int64") - 4) % 7
