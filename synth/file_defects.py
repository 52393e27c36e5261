"""File-level defects: where each kind goes in a run, and the delivery time of every file.

Each kind has a list of candidate feeds (first selected one wins) and a month of the window, so a default run
holds every kind at least once and a run of a subset of feeds still holds the kinds its feeds can carry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# kind -> (candidate feeds, month index in the window (clipped to the window), detail)
PLAN: dict[str, tuple[list[str], int]] = {
    "resubmission": (["rwp_ecds", "rlq_ecds"], 1),
    "schema_drift": (["rlq_ecds", "rwp_apc", "rwp_ecds"], 2),
    "late_file": (["r1a_community", "rwp_outpatients", "rwp_ecds"], 3),
    "windows_1252": (["hwworcs_feedback", "hwherefs_feedback"], 0),
    "empty_file": (["r1a_helpline", "r1a_miu", "rlq_ecds"], 5),
}
# The column renamed in the drifted file, by feed (the first column in this list that the contract has).
DRIFT_RENAMES = {"ethnic_category": "ethnicity", "treatment_function_code": "specialty_code",
                 "site_code": "site", "nhs_number": "nhs_no"}
DELIVERY_HOUR = 6


@dataclass(frozen=True)
class Placement:
    kind: str
    feed_id: str
    month_index: int


def plan(selected: list[str], n_months: int, enabled: bool) -> dict[tuple[str, int], str]:
    """(feed id, month index) -> file defect kind, for the first file of that feed in that month."""
    if not enabled:
        return {}
    out: dict[tuple[str, int], str] = {}
    for kind, (candidates, month) in PLAN.items():
        month = min(month, n_months - 1)
        if kind == "resubmission" and n_months < 2:
            continue
        for feed in candidates:
            if feed in selected and (feed, month) not in out:
                out[(feed, month)] = kind
                break
    return out


def delivered_at(period_end: np.datetime64, deadline_days: int, late: bool = False,
                 resubmission: bool = False) -> np.datetime64:
    """On time: a few days after the period ends. Late: two weeks past the deadline. A resubmission comes after."""
    if late:
        days = deadline_days + 14
    elif resubmission:
        days = deadline_days + 20
    else:
        days = min(max(deadline_days - 2, 1), 5)
    return (period_end + np.timedelta64(days, "D")).astype("datetime64[s]") + np.timedelta64(DELIVERY_HOUR, "h")
