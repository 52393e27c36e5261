"""Checks on the data frames the grouped statistics take: columns present, age bands known, one row per band."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

import numpy as np
import pandas as pd

from stats.age_bands import AgeBand, parse_age_band
from stats.errors import StatsInputError

T = TypeVar("T")


def require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise StatsInputError(f"{what} needs columns {missing}; the data has {list(frame.columns)}")


def group_label(frame: pd.DataFrame, by: Sequence[str], row: object) -> str:
    """The group a row belongs to, for error messages: "area='E06000019', sex='female'"."""
    return ", ".join(f"{column}={frame.at[row, column]!r}" for column in by) or "the whole data"


def band_table(frame: pd.DataFrame, by: Sequence[str], age_band: str, table: Mapping[AgeBand, T],
               also_key: Sequence[str] = (), what: str = "standard population") -> pd.Series:
    """Each row's entry in a table keyed by age band (a standard population, reference rates), joined by band.

    Every group (`by`) must carry every band of the table exactly once (per value of `also_key`, if given);
    a band the table does not know, a band given twice or a band missing is refused, naming group and band.
    """
    parsed = {label: parse_age_band(label) for label in frame[age_band].dropna().unique()}
    if frame[age_band].isna().any():
        row = frame.index[frame[age_band].isna()][0]
        raise StatsInputError(f"age band is missing for {group_label(frame, by, row)} (row {row})")
    bands = frame[age_band].map(parsed)
    for label, band in parsed.items():
        if band not in table:
            row = frame.index[frame[age_band] == label][0]
            raise StatsInputError(
                f"age band {label!r} ({group_label(frame, by, row)}) is not in the {what}, "
                f"whose bands are {[str(b) for b in table]}")
    keys = [*by, *also_key]
    repeated = frame[keys].assign(_band=bands).duplicated()
    if repeated.any():
        row = repeated.index[repeated][0]
        raise StatsInputError(f"age band {bands[row]} appears twice for {group_label(frame, keys, row)}")
    group_id = grouped(frame, keys).ngroup().to_numpy()
    short = np.flatnonzero(np.bincount(group_id) != len(table))
    if short.size:
        rows = frame.index[group_id == short[0]]
        absent = [str(band) for band in table if band not in set(bands[rows])]
        raise StatsInputError(f"{group_label(frame, keys, rows[0])} lacks age bands {absent} "
                              f"of the {what}; give every band, with zero events where there were none")
    return bands.map(table)


def grouped(frame: pd.DataFrame, by: Sequence[str]):
    """groupby that also works for no grouping columns (one group) and keeps missing keys as a group."""
    if not by:
        return frame.groupby(pd.Series(0, index=frame.index, name="_all"), sort=True)
    return frame.groupby(list(by), sort=True, dropna=False)


def ungrouped_keys(result: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Turn the group keys back into columns (and drop the stand-in key of an ungrouped call)."""
    result = result.reset_index()
    return result.drop(columns="_all") if not by else result
