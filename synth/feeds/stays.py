"""The hospital stays of each person as sorted arrays: stays that do not overlap, and what follows a discharge."""

from __future__ import annotations

import numpy as np
import pandas as pd

_DAY_BITS = 20  # a stay is coded person << 20 | days since 1970 (dates before the year 4840)
_DAYS = (1 << _DAY_BITS) - 1


def _days(dates: np.ndarray) -> np.ndarray:
    return np.asarray(dates).astype("datetime64[D]").astype(np.int64)


def end_before_next_admission(current: pd.DataFrame, later: pd.DataFrame, horizon: np.datetime64) -> pd.DataFrame:
    """``current`` with each spell discharged no later than the person's next admission (among ``current`` and
    ``later``, in admission order, ties by ``key``) and no later than ``horizon``."""
    both = pd.concat([current[["person", "admit", "key"]], later[["person", "admit", "key"]]], ignore_index=True)
    order = np.lexsort((both["key"].to_numpy(), both["admit"].to_numpy(), both["person"].to_numpy()))
    person = both["person"].to_numpy()[order]
    admit = both["admit"].to_numpy()[order].astype("datetime64[D]")
    next_admit = np.full(len(order), horizon, dtype="datetime64[D]")
    same = person[1:] == person[:-1]
    next_admit[:-1][same] = admit[1:][same]
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    limit = np.minimum(next_admit[position[:len(current)]], horizon)
    discharge = np.minimum(current["discharge"].to_numpy().astype("datetime64[D]"), limit)
    return current.assign(discharge=discharge)


class Followers:
    """Admissions from some date on, sorted by person and date, to ask what follows each discharge.

    ``counts`` marks the admissions that count as readmissions, ``trust`` the trust of each (0 or 1)."""

    def __init__(self) -> None:
        self.code = np.zeros(0, np.int64)
        self.key = np.zeros(0, np.int64)
        self.counts = np.zeros(0, bool)
        self.trust = np.zeros(0, np.int8)

    def add(self, person: np.ndarray, admit: np.ndarray, key: np.ndarray, counts: np.ndarray,
            trust: np.ndarray) -> None:
        code = np.concatenate([self.code, (np.asarray(person, np.int64) << _DAY_BITS) | _days(admit)])
        order = np.argsort(code, kind="stable")
        self.code = code[order]
        self.key = np.concatenate([self.key, key])[order]
        self.counts = np.concatenate([self.counts, counts])[order]
        self.trust = np.concatenate([self.trust, trust])[order]

    def after(self, person: np.ndarray, discharge: np.ndarray, key: np.ndarray, trust: np.ndarray, window_days: int,
              horizon: np.datetime64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each discharge (of the spell ``key``): the person's next admission on or after it (``horizon``
        when none), whether an admission that counts follows within ``window_days``, and whether the first such
        one is at the other trust."""
        person = np.asarray(person, np.int64)
        t = _days(discharge)
        n = len(self.code)
        start = np.searchsorted(self.code, (person << _DAY_BITS) | t, side="left")
        until = np.full(len(person), _days(horizon))
        found = np.zeros(len(person), bool)
        already = np.zeros(len(person), bool)
        other = np.zeros(len(person), bool)
        active = start < n
        step = 0
        while active.any():  # one admission further per pass: a person has few admissions in a window
            i = np.minimum(start + step, n - 1)
            active &= (start + step < n) & ((self.code[i] >> _DAY_BITS) == person)
            admit = self.code[i] & _DAYS
            another = active & (self.key[i] != key)
            until = np.where(another & ~found, np.minimum(admit, until), until)
            found |= another
            hit = another & self.counts[i] & (admit - t < window_days)
            other = np.where(hit, self.trust[i] != trust, other)
            already |= hit
            active &= ~already & (admit - t < window_days)
            step += 1
        return until.astype("datetime64[D]"), already, other
