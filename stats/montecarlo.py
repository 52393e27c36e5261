"""Monte-Carlo confidence limits: which simulated value is a limit, its Monte-Carlo error, and the vectorised draws.

The limit at confidence c is the order statistic PHEindicatormethods reports: of R sorted draws, the
round(R (1 - c')) th and round(R c') th (1-based, R's round half to even), with c' = c + (1 - c) / 2.

Its Monte-Carlo standard error is estimated without assuming a distribution: the rank of the sample
p-quantile has standard deviation d = sqrt(R p (1 - p)), so half the distance between the order statistics
d ranks either side of the limit is one standard error of the limit (Maritz and Jarrett's idea, by ranks).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from stats.confidence import as_fraction
from stats.errors import StatsInputError

#: The package's default number of draws; at least MIN_DRAWS are required (as in the package).
DEFAULT_DRAWS = 100_000
MIN_DRAWS = 1_000
#: How many simulated values (groups x draws) one chunk of groups may hold (32 MB of float64 for each of the slope
#: and the intercept), so memory stays bounded. Without a transform the chunks run one after another.
CHUNK_VALUES = 4_000_000
#: The same for a back-transformed regression, whose chunks are shared out among THREADS: four groups at the
#: default draws (measured faster than larger chunks on the synthetic year's groups).
THREADED_CHUNK_VALUES = 400_000
#: How many transformed values (groups x quantiles x draws) one step of a chunk's back-transformed regression
#: holds: 8 MB of float64, so each numpy call of the draw, the transform and the sums runs over enough values to
#: outweigh its own cost (105,000 for four groups of ten deciles). On the synthetic year's groups, 1 MB steps took
#: 3.1-3.5 s, 4 MB 2.6-2.8 s, 8 MB 2.5 s and 16 MB 2.8 s (bench/results.md, thirty-third round).
BLOCK_VALUES = 1_048_576
#: Up to this many ranks a row, order statistics are selected rank by rank; more are read from a sort.
MAX_SELECTED = 4
#: The stride of the subsample that places a tail's threshold (order_statistics), and how far past the tail's
#: deepest rank (in the subsample's standard deviations, then values) the threshold is put, so a row's tail is
#: almost never short.
TAIL_STRIDE, TAIL_MARGIN_SD, TAIL_MARGIN = 50, 4.0, 8
#: Threads simulating chunks side by side (numpy releases the GIL in the arithmetic, the transform, the sort and
#: the selection).
THREADS = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def limit_ranks(draws: int, confidence: float) -> tuple[int, int]:
    """0-based positions of the lower and upper limit among `draws` sorted values."""
    if draws < MIN_DRAWS:
        raise StatsInputError(f"Monte-Carlo limits need at least {MIN_DRAWS:,} draws; got {draws:,}")
    c = as_fraction(confidence)
    upper_probability = c + (1 - c) / 2
    return round(draws * (1 - upper_probability)) - 1, round(draws * upper_probability) - 1


def error_band(draws: int, rank: int) -> tuple[int, int]:
    """Ranks one standard deviation either side of `rank` (for the limit's Monte-Carlo standard error)."""
    p = (rank + 1) / draws
    d = max(1, round(np.sqrt(draws * p * (1 - p))))
    return max(rank - d, 0), min(rank + d, draws - 1)


def order_statistics(values: np.ndarray, ranks: Sequence[int]) -> np.ndarray:
    """The values at 0-based `ranks` of each row sorted (groups x len(ranks)), exactly the values a sort gives;
    `values` (the caller's scratch: the simulated draws of one chunk) may be reordered in place.

    The limits' ranks lie in the tails (2,499 and 97,499 of 100,000 draws), and a tail is read without
    partitioning the whole row: every TAIL_STRIDE-th value of the row gives a threshold safely past the tail's
    deepest rank, the row's values on the tail's side of it (about 4,000 of 100,000) are taken out in one pass,
    and the ranks are selected among them. When at least that many values lie there, they are the row's smallest
    (or largest) values, so their order statistics are the row's. A row where they are too few (a subsample
    that misjudged the row), or with a missing value (sorted last, so part of the upper tail), is selected whole.
    Measured on 100,000 draws: 0.87 ms for one rank's partition of the row, 0.07 ms for the pass that takes a
    tail out (bench/results.md, thirty-third round).
    """
    wanted = sorted(set(ranks))
    draws = values.shape[1]
    found = np.empty((values.shape[0], len(wanted)))
    lower = [rank for rank in wanted if rank < draws // 2]
    upper = [rank for rank in wanted if rank >= draws // 2]
    for row, out in zip(values, found, strict=True):
        low = _lower_tail(row, lower)
        high = None if low is None else _upper_tail(row, upper)
        out[:] = _selected(row, wanted) if high is None else np.concatenate([low, high])
    return found[:, [wanted.index(rank) for rank in ranks]]


def _threshold(row: np.ndarray, depth: int, *, from_top: bool) -> float:
    """A value that the row's `depth` smallest values (`from_top`: largest) all but surely lie at or beyond, read
    from every TAIL_STRIDE-th value of the row with a margin past `depth` (TAIL_MARGIN_SD, TAIL_MARGIN)."""
    subsample = row[::TAIL_STRIDE].copy()
    expected = depth / TAIL_STRIDE
    at = min(subsample.size - 1, math.ceil(expected + TAIL_MARGIN_SD * math.sqrt(expected)) + TAIL_MARGIN)
    if from_top:
        at = subsample.size - 1 - at
    subsample.partition(at)
    return subsample[at]


def _lower_tail(row: np.ndarray, ranks: list[int]) -> np.ndarray | None:
    """The row's values at `ranks` (below the middle) from the values at or below a threshold; None when fewer
    than the deepest rank lie there."""
    if not ranks:
        return np.empty(0)
    tail = row[row <= _threshold(row, ranks[-1] + 1, from_top=False)]
    return _selected(tail, ranks) if tail.size > ranks[-1] else None


def _upper_tail(row: np.ndarray, ranks: list[int]) -> np.ndarray | None:
    """The row's values at `ranks` (above the middle) from the values at or above a threshold; None when fewer
    than the deepest rank lie there, or the row has a missing value (sorted last, so among the largest)."""
    if not ranks:
        return np.empty(0)
    if np.isnan(row).any():
        return None
    tail = row[row >= _threshold(row, row.size - ranks[0], from_top=True)]
    skipped = row.size - tail.size  # the values below the tail
    return _selected(tail, [rank - skipped for rank in ranks]) if skipped <= ranks[0] else None


def _selected(row: np.ndarray, ranks: list[int]) -> np.ndarray:
    """The values at the increasing 0-based `ranks` of `row` sorted; `row` is reordered in place. Up to
    MAX_SELECTED ranks, numpy's single-rank partition of the part of the row above the rank before (the values
    below it are all no larger) leaves each rank's value in its place; with several ranks at once numpy's partition
    takes another path, slower than a sort, so more ranks are read from a sort."""
    if len(ranks) > MAX_SELECTED:
        return np.sort(row)[ranks]
    start = 0
    for rank in ranks:
        row[start:].partition(rank - start)
        start = rank + 1
    return row[ranks]


Statistics = Callable[[np.ndarray, np.ndarray], Sequence[np.ndarray]]
#: The inverse of the log or logit transform, called as back(x) or back(x, out=x) (np.exp, stats.sii.expit).
BackTransform = Callable[..., np.ndarray]


def simulated_order_statistics(centre: np.ndarray, se: np.ndarray, c0: np.ndarray, c1: np.ndarray, *,
                               back: BackTransform | None, statistics: Statistics,
                               ranks: Sequence[int], draws: int, seed: int) -> list[np.ndarray]:
    """Order statistics at `ranks` of statistics of the simulated regression, for G groups of Q quantiles.

    Each quantile's value is drawn as centre + se Z (Z standard normal), mapped by `back` (the inverse of the
    log or logit transform, applied in place, or nothing), and the weighted regression gives an intercept
    sum(c0 y) and a slope sum(c1 y) per draw; `statistics(slope, intercept)` turns those (groups x draws) into
    the statistics wanted. Returns one (G x len(ranks)) array per statistic.

    One matrix Z (draws x Q) from numpy.random.default_rng(seed) serves every group (common random numbers):
    a group's limits depend only on its own data, the seed and the number of draws, never on which other
    groups share the call or chunk, so a rebuild reproduces them. Groups are simulated in chunks of at most
    CHUNK_VALUES values; with `back`, chunks of at most THREADED_CHUNK_VALUES, THREADS chunks at a time. Every
    value is computed by the same operations whatever the chunk, so the results are identical however the groups
    are chunked or threaded.
    """
    groups, quantiles = centre.shape
    if groups == 0:
        return []
    z = common_draws(seed, draws, quantiles)
    if back is None:
        per_chunk, threads = max(1, CHUNK_VALUES // draws), 1
    else:
        per_chunk = max(1, min(min(CHUNK_VALUES, THREADED_CHUNK_VALUES) // draws, math.ceil(groups / THREADS)))
        threads = THREADS

    def chunk(start: int) -> list[np.ndarray]:
        part = slice(start, start + per_chunk)
        slope, intercept = _regression(centre[part], se[part], c0[part], c1[part], z, back)
        with np.errstate(divide="ignore", invalid="ignore"):
            simulated = statistics(slope, intercept)
        return [order_statistics(values, ranks) for values in simulated]

    starts = range(0, groups, per_chunk)
    if len(starts) == 1 or threads == 1:
        results = [chunk(start) for start in starts]
    else:
        with ThreadPoolExecutor(min(threads, len(starts)), thread_name_prefix="montecarlo") as pool:
            results = list(pool.map(chunk, starts))
    return [np.concatenate(parts, axis=0) for parts in zip(*results, strict=True)]


@lru_cache(maxsize=2)
def common_draws(seed: int, draws: int, quantiles: int) -> np.ndarray:
    """The matrix Z of standard normal draws every group of a call shares: numpy.random.default_rng(seed)'s
    (draws x quantiles), held as quantiles x draws (each quantile's draws one contiguous row, so every step of the
    regression runs along the draws) and read-only. Kept for the next call with the same seed, draws and quantiles:
    the inequality summary makes one call per value type and deprivation dimension, six in a build, over two
    matrices (deciles and quintiles; 8 and 4 MB at 100,000 draws)."""
    z = np.ascontiguousarray(np.random.default_rng(seed).standard_normal((draws, quantiles)).T)
    z.setflags(write=False)
    return z


def _regression(centre: np.ndarray, se: np.ndarray, c0: np.ndarray, c1: np.ndarray, zt: np.ndarray,
                back: BackTransform | None) -> tuple[np.ndarray, np.ndarray]:
    """The simulated slope and intercept (groups x draws, each row contiguous) of one chunk of groups, from Z given
    as quantiles x draws.

    Without `back` the regression is linear in Z: :func:`_linear`. With it, the draws are taken in steps of at most
    BLOCK_VALUES transformed values (groups x quantiles x step, so every operation runs along a contiguous row of
    draws), each transformed back in place and summed over its quantiles by :func:`_weighted_sum`."""
    if back is None:
        return _linear(centre, se, c1, zt), _linear(centre, se, c0, zt)
    groups, quantiles = centre.shape
    draws = zt.shape[1]
    slope, intercept = np.empty((groups, draws)), np.empty((groups, draws))
    step = min(draws, max(1, BLOCK_VALUES // (groups * quantiles)))
    block, term = np.empty((groups, quantiles, step)), np.empty((groups, step))
    for first in range(0, draws, step):
        drawn = slice(first, first + step)
        size = min(step, draws - first)
        y = block[:, :, :size]
        np.multiply(se[:, :, None], zt[None, :, drawn], out=y)
        y += centre[:, :, None]
        back(y, out=y)
        _weighted_sum(y, c1, out=slope[:, drawn], term=term[:, :size])
        _weighted_sum(y, c0, out=intercept[:, drawn], term=term[:, :size])
    return slope, intercept


def _weighted_sum(y: np.ndarray, coefficients: np.ndarray, *, out: np.ndarray, term: np.ndarray) -> None:
    """out = sum over quantiles of coefficient x y, for y of groups x quantiles x draws: quantile by quantile, in
    order, element by element, so a group's draws come from the same operations whatever else shares its chunk or
    step (as in :func:`_linear`)."""
    np.multiply(coefficients[:, :1], y[:, 0, :], out=out)
    for q in range(1, y.shape[1]):
        np.multiply(coefficients[:, q:q + 1], y[:, q, :], out=term)
        out += term


def _linear(centre: np.ndarray, se: np.ndarray, coefficients: np.ndarray, zt: np.ndarray) -> np.ndarray:
    """sum over quantiles of coefficient x (centre + se Z), for each group and draw (groups x draws).

    Summed quantile by quantile, element by element, so a group's draws come from the same operations in the
    same order whatever else shares its chunk. A matrix product would not do: BLAS picks its kernel and blocking
    by the shape of the chunk, and on some processors (seen on an AMD EPYC) the last bits of a group's draws then
    changed with the number of groups in the chunk, and its limits with them."""
    weights = se * coefficients
    out = np.empty((centre.shape[0], zt.shape[1]))
    out[:] = (centre * coefficients).sum(axis=1)[:, None]
    term = np.empty_like(out)
    for q in range(zt.shape[0]):
        np.multiply(weights[:, q:q + 1], zt[q], out=term)
        out += term
    return out
