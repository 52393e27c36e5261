"""Reuse of the SII and RII of groups whose inputs did not change (int_inequality_sii; docs/inequalities.md).

The Monte-Carlo limits are the costliest statistics of a build (100,000 draws for every group), yet a new month
of one feed changes the rows of few groups. A group's indices and limits depend only on its own rows, the draws,
the seed and the code that computes them (stats.montecarlo draws one matrix of common random numbers for every
group), so each group is keyed by a fingerprint of exactly those, and a group whose fingerprint is in the
previous result takes its statistics from there instead of drawing again.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import scipy

import stats
from stats.inequality_summary import GROUP, SII_COLUMNS, indices

FINGERPRINT = "inputs_fingerprint"
#: What a group's statistics are computed from: its rows in quantile order, these columns each.
INPUTS = ["value_type", "dimension", "quantile", "population", "value", "lower_95", "upper_95"]
COLUMNS = [*GROUP, FINGERPRINT, *SII_COLUMNS]


@cache
def method_version() -> str:
    """A digest of the statistics' code (every module of the stats package) and of numpy's and scipy's versions
    (the generator's streams and the transforms are not promised to stay the same across versions): a change to
    any of them changes every fingerprint, so every group is drawn again."""
    digest = hashlib.sha256(f"numpy {np.__version__} scipy {scipy.__version__}".encode())
    for path in sorted(Path(stats.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def fingerprints(quantiles: pd.DataFrame, *, draws: int, seed: int) -> pd.Series:
    """One fingerprint per group of ``quantiles`` (a Series indexed by GROUP): the SHA-256 of the method's
    version, the draws, the seed and the group's INPUTS rows in quantile order, every float written exactly
    (its shortest round-trip form)."""
    if quantiles.empty:
        return pd.Series([], dtype=object, index=pd.MultiIndex.from_arrays([[]] * len(GROUP), names=GROUP),
                         name=FINGERPRINT)
    rows = quantiles.sort_values([*GROUP, "quantile"])
    lines = rows[INPUTS[0]].astype(object).map(str)
    for column in INPUTS[1:]:  # str() of a float is its shortest round-trip form; a missing value 'nan' or 'None'
        lines = lines + "|" + rows[column].astype(object).map(str)
    salt = f"{method_version()}|{draws}|{seed}\n"
    texts = lines.groupby([rows[c] for c in GROUP], sort=False, dropna=False).agg("\n".join)
    return texts.map(lambda text: hashlib.sha256((salt + text).encode()).hexdigest()).rename(FINGERPRINT)


def indices_reusing(quantiles: pd.DataFrame, *, draws: int, seed: int,
                    previous: pd.DataFrame | None = None) -> tuple[pd.DataFrame, int]:
    """The SII and RII of every group of ``quantiles`` in COLUMNS (one row per group), and how many groups were
    computed. A group whose fingerprint is a row of ``previous`` (columns FINGERPRINT and SII_COLUMNS, e.g. the
    last build's result) takes that row's statistics; the others are computed by stats.inequality_summary's
    ``indices``, all in one call. Groups ``indices`` gives no row (a quantile lacks a usable value) have nulls."""
    prints = fingerprints(quantiles, draws=draws, seed=seed)
    known = (previous.drop_duplicates(FINGERPRINT).set_index(FINGERPRINT)[SII_COLUMNS]
             if previous is not None and not previous.empty else pd.DataFrame(columns=SII_COLUMNS))
    fresh = ~prints.isin(known.index)
    group_of_row = pd.MultiIndex.from_frame(quantiles[GROUP])
    computed = indices(quantiles[group_of_row.isin(prints.index[fresh])], draws, seed)  # none fresh: no rows
    result = prints.to_frame()
    reused = known.reindex(prints[~fresh].to_numpy()).set_axis(prints.index[~fresh])
    found = pd.concat([reused, computed.reindex(prints.index[fresh])]).reindex(prints.index)
    result[SII_COLUMNS] = found[SII_COLUMNS].astype("float64")
    return result.reset_index()[COLUMNS], int(fresh.sum())
