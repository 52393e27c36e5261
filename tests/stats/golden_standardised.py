"""Readers for the standardisation workbook (testdata_DSR_ISR.xlsx): each results row with its inputs.

Which input sheet feeds which results row follows the package's test scripts (testDSRs.R, testISRates.R,
testISRatios.R and data-raw/LoadTestdata.R): the area name says the sheet, the statistic says the multiplier.
"""

from __future__ import annotations

import re

import pandas as pd

from stats import ESP2013
from tests.stats.golden import BAND_LABEL_ERRATUM, GoldenRow, rows_of, sheet

WORKBOOK = "testdata_DSR_ISR.xlsx"
LIMITS = ["lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"]

DSR_ROWS = rows_of(WORKBOOK, "testresults_DSR", ["area", "statistic"],
                   ["total_count", "total_pop", "value", *LIMITS])
ISR_ROWS = rows_of(WORKBOOK, "testresults_ISR", ["area", "statistic"],
                   ["observed", "expected", "ref_rate", "value", *LIMITS])

#: testresults_DSR publishes the non-independent-events rows rounded to 8 decimal places.
NONINDEPENDENT_DECIMALS = 8
#: testresults_DSR rows testdata_1976: the 99.8% limits are published at ten times the row's multiplier.
ERRATUM_1976_FACTOR = 10


def multiplier(statistic: str) -> float:
    """'dsr per 10000' -> 10000, 'indirectly standardised ratio x 100' -> 100; rows 'dsr NA for total count
    < 10' show nothing, whatever the multiplier, so 100,000 (the default) stands for it."""
    found = re.search(r"(?:per|x) (\d+)$", statistic)
    return float(found[1]) if found else 100_000.0


def banded(name: str, band_column: str) -> pd.DataFrame:
    frame = sheet(WORKBOOK, name).copy()
    frame[band_column] = frame[band_column].replace(BAND_LABEL_ERRATUM)
    return frame


def dsr_inputs(area: str) -> tuple[pd.DataFrame, dict[str, float], str | None]:
    """(rows with age_band, events, population[, frequency]), the standard, the event-frequency column."""
    if area == "testdata_1976":
        rows = banded("testdata_1976", "Age Band").rename(columns={"Age Band": "age_band"})
        standard = dict(zip(rows["age_band"], rows["esp1976"].astype(float), strict=True))
        return rows.rename(columns={"count": "events", "pop": "population"}), standard, None
    if area.startswith("testdata_nonind"):
        wide = banded("testdata_nonindepe", "ageband")
        wide = wide[wide["area"] == area]
        rows = wide.melt(id_vars=["ageband", "pop"], value_vars=["f1", "f2", "f3", "f4"], var_name="frequency",
                         value_name="events")
        rows["frequency"] = rows["frequency"].str[1:].astype(int)
        return rows.rename(columns={"ageband": "age_band", "pop": "population"}), ESP2013, "frequency"
    rows = banded("testdata_multiarea", "ageband")
    rows = rows[rows["area"] == area].rename(columns={"ageband": "age_band", "count": "events", "pop": "population"})
    return rows, ESP2013, None


def isr_reference() -> dict[str, tuple[float, float]]:
    ref = banded("refdata", "Age Band")
    return {band: (events, people) for band, events, people in zip(ref["Age Band"], ref["refcount"], ref["refpop"],
                                                                   strict=True)}


def isr_inputs(area: str) -> pd.DataFrame:
    """Rows with age_band, events, population for an area of the ISR results."""
    if area in ("Area1", "Area2"):
        # testdata_err2 carries no age band: its 19 rows per area are in the reference's band order
        rows = sheet(WORKBOOK, "testdata_err2").dropna(subset=["area"])
        rows = rows[rows["area"] == area].assign(age_band=list(isr_reference()))
    else:
        rows = banded("testdata_multiarea_isr", "ageband").rename(columns={"ageband": "age_band"})
        rows = rows[rows["area"] == area]
    return rows.rename(columns={"count": "events", "pop": "population"})


def compared_dsr_cells(row: GoldenRow) -> dict[str, tuple[float | None, int | None]]:
    """Each published cell of a DSR row as (value to compare with, decimals published or None for full)."""
    decimals = NONINDEPENDENT_DECIMALS if row.inputs["area"].startswith("testdata_nonind") else None
    cells = {name: (value, decimals) for name, value in row.expected.items()}
    if row.inputs["area"] == "testdata_1976":
        for name in ("lower99_8cl", "upper99_8cl"):
            cells[name] = (row.expected[name] / ERRATUM_1976_FACTOR, None)
    return cells


def compared_isr_cells(row: GoldenRow) -> dict[str, float | None]:
    """Published cells of an ISR row: ref_rate only for rates; 99.8% limits only where the row requested them
    (rows of Area1/Area2 were produced at 95% alone and leave them empty)."""
    cells = dict(row.expected)
    if "ratio" in row.inputs["statistic"]:
        del cells["ref_rate"]
    if row.inputs["area"] in ("Area1", "Area2"):
        del cells["lower99_8cl"], cells["upper99_8cl"]
    return cells
