"""The leak issue 15 measured, measured again: true counts recoverable from a published cell under the old rule
(percentages from the true counts) and under nhs_standard (percentages from the rounded counts)."""

from __future__ import annotations

from bench.disclosure_leak import published_after, published_before, recoverable_shares


def test_the_old_rule_leaks_as_the_issue_measured_and_nhs_standard_leaks_nothing():
    """
    GIVEN every true cell (n of d) with d up to 509
    WHEN each is published under the old rule and under the real nhs_standard disclosure
    THEN under the old rule the true counts behind 86%, 74% and 29% of the cells with a percentage and 10-49,
         100-199 and 200-499 attendances are the only ones giving their published tuple (the issue's figures),
         and under nhs_standard no cell's tuple is unique to it: 0% recoverable
    """
    before = recoverable_shares(published_before)
    after = recoverable_shares(published_after)

    assert {k: round(v["cells_with_a_percentage"], 2) for k, v in before.items()} == {
        "10-49": 0.86, "100-199": 0.74, "200-499": 0.29}
    assert all(v["all_cells"] == 0 and v["cells_with_a_percentage"] == 0 for v in after.values())
