"""Every row of the golden results for directly standardised rates (Dobson limits, independent and
non-independent events) and indirectly standardised ratios and rates, through the Python functions.

Tolerance: 1 part in 10^12 of each cell, except the non-independent-events rows, published to 8 decimals
(half a unit in the 8th). The testdata_1976 99.8% limits are compared at a tenth of their published value
(a workbook erratum, golden/README.md).
"""

from __future__ import annotations

import pytest

from stats import directly_standardised_rate, indirectly_standardised_rate, indirectly_standardised_ratio
from tests.stats.golden import GoldenRow, matches
from tests.stats.golden_standardised import (
    DSR_ROWS,
    ISR_ROWS,
    compared_dsr_cells,
    compared_isr_cells,
    dsr_inputs,
    isr_inputs,
    isr_reference,
    multiplier,
)

RESULT_NAMES = {"lower95_0cl": "lower_95", "upper95_0cl": "upper_95", "lower99_8cl": "lower_998",
                "upper99_8cl": "upper_998"}


def computed_cell(result, name: str) -> float:
    return float(result.iloc[0][RESULT_NAMES.get(name, name)])


@pytest.mark.parametrize("row", DSR_ROWS, ids=lambda r: r.id)
def test_directly_standardised_rates(row: GoldenRow) -> None:
    # GIVEN an area's counts and populations by age band, and its standard population
    rows, standard, frequency = dsr_inputs(row.inputs["area"])
    # WHEN its DSR is computed at the row's multiplier
    result = directly_standardised_rate(rows, standard=standard, multiplier=multiplier(row.inputs["statistic"]),
                                        event_frequency=frequency)
    # THEN every published cell matches (value and limits missing below 10 events)
    mismatched = {name: (computed_cell(result, name), value) for name, (value, decimals)
                  in compared_dsr_cells(row).items() if not matches(computed_cell(result, name), value, decimals)}
    assert not mismatched, f"{row.id}: computed vs published {mismatched}"


@pytest.mark.parametrize("row", ISR_ROWS, ids=lambda r: r.id)
def test_indirectly_standardised_ratios_and_rates(row: GoldenRow) -> None:
    statistic, rows = row.inputs["statistic"], isr_inputs(row.inputs["area"])
    if "ratio" in statistic:
        result = indirectly_standardised_ratio(rows, reference=isr_reference(), refvalue=multiplier(statistic))
    else:
        result = indirectly_standardised_rate(rows, reference=isr_reference(), multiplier=multiplier(statistic))
    mismatched = {name: (computed_cell(result, name), value) for name, value in compared_isr_cells(row).items()
                  if not matches(computed_cell(result, name), value)}
    assert not mismatched, f"{row.id}: computed vs published {mismatched}"
