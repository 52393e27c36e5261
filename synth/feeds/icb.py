"""The ICB's (QGH) GP registered population list (the denominator, quarterly) and the severe mental illness
(SMI) annual physical health checks (monthly, one row per person on the SMI register).

Built-in effect: the share of SMI patients with all six checks in the last 12 months falls with deprivation
(quintile 5 about 62%, quintile 1 about 42%), so it is lower in Core20 (national IMD deciles 1-2, quintile 1) than
in the rest; ``intended`` gives the run's intended shares for truth.json.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.calendar import Month
from synth.feeds.base import FeedDef, FileJob, frame

ALL_SIX_BY_QUINTILE = np.array([np.nan, 0.42, 0.48, 0.54, 0.58, 0.62])
SINGLE_CHECK_P = 0.45  # chance of each check on its own for people without a full check
CHECKS = ["bmi", "blood_pressure", "cholesterol", "hba1c", "smoking_status", "alcohol"]
GP_COLUMNS = ["snapshot_date", "nhs_number", "date_of_birth", "sex", "ethnic_category", "lsoa_code",
              "gp_practice_code", "registration_date", "learning_disability_register", "smi_register"]
SMI_COLUMNS = ["snapshot_date", "nhs_number", "date_of_birth", "sex", "ethnic_category", "lsoa_code",
               "gp_practice_code"] + [f"{c}_check_date" for c in CHECKS]


def quarterly_files(month: Month) -> list[FileJob]:
    if month.calendar_month in (1, 4, 7, 10) or month.index == 0:
        return [FileJob(f"QGH_GPLIST_{month.label}.csv", month, month.start, month.start + np.timedelta64(1, "D"))]
    return []


def smi_files(month: Month) -> list[FileJob]:
    return [FileJob(f"QGH_SMI_PHC_{month.label}.csv", month, month.start, month.end)]


def _registration(ctx) -> np.ndarray:
    def build():
        pop = ctx.pop
        rng = ctx.rng("registration")
        years = rng.exponential(9.0, pop.n)
        reg = pop.ref_date - (years * 365.25).astype("timedelta64[D]")
        return np.maximum(reg, pop.dob)

    return ctx.persistent("registration", build)


def _chance_of_all_six() -> float:
    """P(all six checks inside the window) for a person not engaged: each check done with SINGLE_CHECK_P, dated
    ``offset + jitter`` days before the snapshot (offset uniform 0-364, jitter uniform 0-19), inside below 365."""
    offset = np.arange(365)[:, None]
    inside = ((offset + np.arange(20)[None, :]) < 365).mean(axis=1)
    return float(SINGLE_CHECK_P ** len(CHECKS) * (inside ** len(CHECKS)).mean())


def intended(ctx) -> dict:
    """The intended share of the run's SMI register with all six checks: by IMD quintile, in Core20 (quintile 1:
    national deciles 1-2) and in the rest, each over the people on the register (engaged, or all six by chance)."""
    pop = ctx.pop
    quintile = pop.quintile[np.flatnonzero(pop.smi)]
    chance = _chance_of_all_six()
    p = ALL_SIX_BY_QUINTILE[quintile] + (1 - ALL_SIX_BY_QUINTILE[quintile]) * chance

    def share(mask: np.ndarray) -> dict:
        return {"people": int(mask.sum()), "share": round(float(p[mask].mean()), 6) if mask.any() else None}

    return {"all_six_by_imd_quintile": {str(q): float(ALL_SIX_BY_QUINTILE[q]) for q in range(1, 6)},
            "all_six_by_chance_when_not_engaged": round(chance, 6),
            "core20": share(quintile == 1), "rest": share(quintile != 1)}


CHUNK = 500_000  # persons per chunk: the list is the whole population, written in pieces


def build_gp_list(ctx, job: FileJob):
    """The register in chunks of persons (a generator), so memory stays flat at any scale."""
    pop = ctx.pop
    reg = _registration(ctx)
    for lo in range(0, pop.n, CHUNK):
        idx = np.arange(lo, min(lo + CHUNK, pop.n))
        cols = pop.person_columns(idx)
        cols.update({
            "snapshot_date": np.full(len(idx), job.period_start),
            "registration_date": np.minimum(reg[idx], job.period_start - np.timedelta64(1, "D")),
            "learning_disability_register": pop.ld[idx],
            "smi_register": pop.smi[idx],
        })
        yield frame(cols, GP_COLUMNS)


def build_smi(ctx, job: FileJob) -> pd.DataFrame:
    pop = ctx.pop
    idx = np.flatnonzero(pop.smi)
    rng = ctx.rng("smi-checks")  # persistent habits: the same people engage every year
    n = len(idx)
    engaged = rng.random(n) < ALL_SIX_BY_QUINTILE[pop.quintile[idx]]
    single = rng.random((n, len(CHECKS))) < SINGLE_CHECK_P
    anniversary = rng.integers(0, 365, n)  # day of the year the person's check falls on
    as_at = job.period_end - np.timedelta64(1, "D")  # snapshot at month end
    days = as_at.astype("datetime64[D]").view("int64")
    last = (days - (days - anniversary) % 365).astype("datetime64[D]")
    cols = pop.person_columns(idx)
    cols["snapshot_date"] = np.full(n, as_at)
    for k, check in enumerate(CHECKS):
        jitter = rng.integers(0, 20, n).astype("timedelta64[D]")
        done = engaged | single[:, k]
        when = np.where(engaged, last, last - jitter)
        cols[f"{check}_check_date"] = np.where(done & (when > as_at - np.timedelta64(365, "D")), when,
                                               np.datetime64("NaT"))
    return frame(cols, SMI_COLUMNS)


FEEDS = [
    FeedDef("qgh_gp_list", quarterly_files, build_gp_list),
    FeedDef("qgh_smi_checks", smi_files, build_smi),
]
