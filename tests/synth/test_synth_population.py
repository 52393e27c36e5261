"""Ages derived from dates of birth the way the ingest derives them."""

from __future__ import annotations

import numpy as np

from synth.population import completed_years


def test_completed_years_count_birthdays_by_month_and_day():
    """GIVEN dates of birth on 1 March of a leap year, 29 February and 31 December
    WHEN the age is taken on the day before, on and after a birthday (in leap and common years)
    THEN it is the number of birthdays reached, as the ingest's month * 100 + day rule gives."""
    dob = np.array(["2000-03-01", "2000-03-01", "2000-03-01", "2004-02-29", "2004-02-29", "1990-12-31"],
                   dtype="datetime64[D]")
    when = np.array(["2025-02-28", "2025-03-01", "2024-02-29", "2025-02-28", "2025-03-01", "2025-12-30"],
                    dtype="datetime64[D]")
    assert completed_years(dob, when).tolist() == [24, 25, 23, 20, 21, 34]
