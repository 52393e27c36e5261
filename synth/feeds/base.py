"""The shape of a feed generator: which files it writes for a month and how it builds each file's rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth.calendar import Month


@dataclass(frozen=True)
class FileJob:
    name: str  # file name, matching the contract's pattern
    month: Month  # the month of the window whose loop writes it
    period_start: np.datetime64  # first day the file covers
    period_end: np.datetime64  # day after the last day it covers (for delivery dates)
    key: str = ""  # e.g. the snapshot date for weekly files


@dataclass(frozen=True)
class FeedDef:
    feed_id: str
    files: Callable[[Month], list[FileJob]]
    build: Callable[..., pd.DataFrame]  # build(ctx, job) -> rows with the contract's columns


def monthly(pattern: str) -> Callable[[Month], list[FileJob]]:
    """One file per month; ``pattern`` formats {ym} (2025-04) or {yyyymm} (202504)."""

    def files(month: Month) -> list[FileJob]:
        name = pattern.format(ym=month.label, yyyymm=month.label.replace("-", ""))
        return [FileJob(name, month, month.start, month.end)]

    return files


def ids(prefix: str | np.ndarray, seq: np.ndarray, width: int) -> np.ndarray:
    """Vectorised identifiers like RWP50250400001 (numpy string ufuncs, no Python loop)."""
    if seq.size == 0:  # numpy's zfill fails on an empty array (a small population's month with no such row)
        return np.array([], dtype="U1")
    digits = np.strings.zfill(seq.astype(np.int64).astype(f"U{width}"), width)
    return np.strings.add(np.asarray(prefix, dtype="U"), digits)


def pick(p: dict, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws from the codes of ``p`` (code -> weight)."""
    codes = np.array(list(p), dtype=object)
    w = np.array(list(p.values()), dtype=float)
    return codes[rng.choice(len(codes), n, p=w / w.sum())]


def frame(columns: dict, order: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: columns[c] for c in order})


CHUNK_ROWS = 250_000


def in_chunks(n: int, render: Callable[[slice], pd.DataFrame], size: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Render a file's rows a slice at a time: the numbers are drawn for the whole file first (so the output
    does not depend on the chunk size), the text columns only for the slice being written."""
    for lo in range(0, max(n, 1), size):
        yield render(slice(lo, min(lo + size, n)))
