"""The golden tables (PHEindicatormethods' test workbooks, copied unchanged into golden/) read into rows.

Each GoldenRow is one row of a results sheet: where it is (workbook, sheet, spreadsheet row), its inputs and
its published results. Cells are compared at the precision they are published with (see `published`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

GOLDEN = Path(__file__).parent / "golden"

#: Relative agreement asked of cells published at full double precision: R's and numpy's arithmetic may differ
#: in the last bits (different order of operations), never in the 12th significant digit.
FULL_PRECISION_RELATIVE = 1e-12

#: The golden workbooks label 55-59 as "55-69" (between 50-54 and 60-64, weight 6500 in ESP 2013); bands are
#: joined by label here, so the label is corrected on reading (the package joins by position and never sees it).
BAND_LABEL_ERRATUM = {"55-69": "55-59"}


@dataclass(frozen=True)
class GoldenRow:
    workbook: str
    sheet: str
    row: int                                  # the spreadsheet's row number (header is row 1)
    inputs: dict
    expected: dict
    notes: tuple[str, ...] = field(default=())

    @property
    def id(self) -> str:
        return f"{self.workbook}:{self.sheet}:row{self.row}"


def published(expected: float | None, decimals: int | None = None) -> tuple[float, float]:
    """(value, absolute tolerance) for a published cell. The workbooks publish every digit a double holds
    (agreement asked: FULL_PRECISION_RELATIVE), except the rows a table states are rounded to `decimals`
    places (half a unit in the last place). None reads as NaN: the package's NA, so the cell must be missing."""
    if expected is None or (isinstance(expected, float) and np.isnan(expected)):
        return np.nan, 0.0
    value = float(expected)
    if decimals is not None:
        return value, 0.5 * 10.0**-decimals
    return value, FULL_PRECISION_RELATIVE * abs(value)


def matches(computed: float, expected: float | None, decimals: int | None = None) -> bool:
    value, tolerance = published(expected, decimals)
    if np.isnan(value):
        return bool(np.isnan(computed))
    return bool(abs(computed - value) <= tolerance)


@cache
def sheet(workbook: str, name: str) -> pd.DataFrame:
    """A sheet with its spreadsheet row numbers as the index; fully empty rows dropped."""
    frame = pd.read_excel(GOLDEN / workbook, sheet_name=name, engine="openpyxl")
    frame.index = frame.index + 2
    frame = frame.dropna(how="all")
    return frame.astype(object).where(frame.notna(), None)


def level(text: str) -> float:
    """'95%' -> 0.95, '99.8%' -> 0.998."""
    return float(text.rstrip("%")) / 100


def rows_of(workbook: str, name: str, inputs: list[str], expected: list[str]) -> list[GoldenRow]:
    frame = sheet(workbook, name)
    return [GoldenRow(workbook, name, int(row), {c: record[c] for c in inputs}, {c: record[c] for c in expected})
            for row, record in frame.iterrows()]


def summed_by_area(frame: pd.DataFrame, area: str, columns: list[str]) -> dict[str, dict[str, float | None]]:
    """The grouped sheets' inputs: the ungrouped sheet's rows of an area summed, missing if any is missing
    (R's sum without na.rm)."""
    out: dict[str, dict[str, float | None]] = {}
    for key, part in frame.groupby(area, sort=False):
        out[key] = {c: (None if part[c].isna().any() else float(part[c].astype(float).sum())) for c in columns}
    return out
