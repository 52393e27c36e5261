"""bench.pandas_alternative: the usual alternative computes the same measures, so the comparison is fair."""

from __future__ import annotations

import pandas as pd

from bench.pandas_alternative import attendances, four_hour_performance, readmissions_30d


def test_four_hours_is_within_and_a_minute_more_is_not_in_either_date_layout():
    """GIVEN one trust's attendances of 240 and 241 minutes, ISO and day-first (as RLQ sends them)
    WHEN the 4-hour performance is computed
    THEN April has 2 attendances, 1 within 4 hours (50%); May's day-first attendance of 240 minutes is within."""
    frame = pd.DataFrame({
        "organisation_code": ["RWP", "RWP", "RWP"], "attendance_id": ["a", "b", "c"],
        "arrival_datetime": ["2025-04-30 22:00:00", "2025-04-30 22:00:00", "02/05/2025 09:00"],
        "departure_datetime": ["2025-05-01 02:00:00", "2025-05-01 02:01:00", "02/05/2025 13:00"],
        "department_type": ["01", "01", "01"]})
    out = four_hour_performance(attendances({"rwp_ecds": frame}))
    assert out[["attendances", "within", "percent"]].values.tolist() == [[2, 1, 50.0], [1, 1, 100.0]]


def test_a_readmission_at_the_other_trust_within_30_days_counts_and_day_30_does_not():
    """GIVEN person p discharged by RWP on 1 April and admitted as an emergency at RLQ on 30 April (day 29), and
    person q discharged on 1 April and readmitted on 1 May (day 30), and person r admitted and discharged on
    2 April and never again (a spell is not its own readmission)
    WHEN 30-day readmissions are computed
    THEN RWP's April has 3 index spells and 1 readmission."""
    rwp = pd.DataFrame({"organisation_code": "RWP", "spell_id": ["s1", "s2", "s5"], "nhs_number": ["p", "q", "r"],
                        "admission_method": "21", "admission_date": ["2025-03-30", "2025-03-30", "2025-04-02"],
                        "discharge_date": ["2025-04-01", "2025-04-01", "2025-04-02"]})
    rlq = pd.DataFrame({"organisation_code": "RLQ", "spell_id": ["s3", "s4"], "nhs_number": ["p", "q"],
                        "admission_method": "21", "admission_date": ["30/04/2025", "01/05/2025"],
                        "discharge_date": ["02/05/2025", "03/05/2025"]})
    out = readmissions_30d({"rwp_apc": rwp, "rlq_apc": rlq})
    april = out[(out["organisation_code"] == "RWP") & (out["month"].astype(str) == "2025-04")]
    assert april[["spells", "readmissions"]].values.tolist() == [[3, 1]]
