"""Disclosure control of a measure whose denominator is not a whole number: a mean daily count (issue 11's
adult_patients_in_hospital_21plus_days) carries 1 / days in the month per patient-midnight, so its denominator
is the month's mean count."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from publish.disclosure import apply_disclosure, measures_by_id
from publish.spec import load_spec

SPEC = load_spec("measure_values")


def mean_daily_count_row(area_code: str, patient_midnights: int, days: int) -> dict:
    mean = patient_midnights / days
    return {
        "measure_id": "adult_patients_in_hospital_21plus_days", "period_type": "month",
        "period_start": dt.date(2025, 6, 1), "period_end": dt.date(2025, 6, 30), "area_type": "organisation",
        "area_code": area_code, "breakdown": "all", "breakdown_value": "all", "numerator": float(patient_midnights),
        "denominator": mean, "value": mean, "lower_95": None, "upper_95": None, "lower_998": None,
        "upper_998": None, "unit": "count", "target": None, "meets_target": None, "best_value": mean,
        "gap_to_best": 0.0, "compared_to_system": "similar", "registry_version": 1,
    }


def test_a_fractional_denominator_is_judged_and_rounded_as_it_is():
    """GIVEN June rows of a mean daily count: 230 patient-midnights (a mean of 7.67), 372 (12.4) and 378 (12.6)
    WHEN disclosure control is applied
    THEN nothing fails on the fractions: the mean of 7.67 (between 1 and 7 under nhs_standard) is suppressed with
    its value and its 230 patient-midnights (230 / 30 would give it back); 12.4 is published as 10 and 12.6 as
    15 (the nearest multiple of 5); the value, a count, is that published mean daily count; whole numerators
    are rounded as before."""
    source = pd.DataFrame([mean_daily_count_row("A", 230, 30), mean_daily_count_row("B", 372, 30),
                           mean_daily_count_row("C", 378, 30)], columns=SPEC.source_columns)

    frame = apply_disclosure(source, SPEC, measures_by_id()).frame.set_index("area_code")

    assert pd.isna(frame.loc["A", "denominator"]) and pd.isna(frame.loc["A", "value"]) and frame.loc["A", "suppressed"]
    assert pd.isna(frame.loc["A", "numerator"])  # 230 / 30 days would give the suppressed mean back
    assert frame.loc["B", ["numerator", "denominator", "value"]].tolist() == [370, 10, 10.0]
    assert frame.loc["C", ["numerator", "denominator", "value"]].tolist() == [380, 15, 15.0]
