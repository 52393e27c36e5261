"""Mental health hospital spells (MHSDS-like) from R1A, and the follow-up contacts after their discharges.

Admissions come at ADMISSION_RATE per person-year on average (about 3,089 a year for 800,000 people), shared
out far more often to people on the severe mental illness register (x20) and in deprived areas, mostly to
adults. A spell lasts a log-normal time (median 28 days). Each monthly file holds the spells discharged in the
month; admissions are drawn from a year before the window, so the first months already discharge long stays.

Built-in effect: a discharge home (or to a care home or temporary residence) is followed by one contact of the
community mental health services (team A02, crisis resolution and home treatment) with probability
FOLLOW_UP_SHARE, after a log-normal delay (median 30 hours, sigma 0.8, at least an hour), attended except
FOLLOW_UP_DNA_SHARE. Those contacts are written in the mh_contacts feed of the month they fall in, linked to the
same person, so some discharges are followed up within 72 hours and some not. Deaths and transfers to another
hospital, court or prison get no follow-up.
"""

from __future__ import annotations

from math import erf, log, sqrt

import numpy as np
import pandas as pd

from synth.calendar import Month
from synth.feeds.base import FeedDef, FileJob, frame, ids, monthly, pick

ADMISSION_RATE = 3089 / 800_000  # admissions per person-year
SMI_RATE_RATIO = 20.0
IMD_RATE_RATIO = np.array([np.nan, 1.6, 1.35, 1.15, 1.05, 1.0])
AGE_RATE = ((0, 11, 0.0), (12, 17, 0.4), (18, 64, 1.0), (65, 130, 0.8))
STAY_MEDIAN_DAYS, STAY_SIGMA, STAY_MAX_DAYS = 28.0, 0.9, 330.0
LOOKBACK_MONTHS = 12  # admissions drawn this far back: every stay ends within it
DESTINATIONS = {"19": 0.80, "29": 0.03, "54": 0.02, "65": 0.02, "85": 0.02, "51": 0.02, "53": 0.04, "50": 0.01,
                "38": 0.01, "37": 0.005, "87": 0.005, "79": 0.02}
FOLLOWED_DESTINATIONS = ["19", "29", "54", "65", "85"]  # home, temporary residence, care homes
FOLLOW_UP_SHARE = 0.9
FOLLOW_UP_DNA_SHARE = 0.08
FOLLOW_UP_MEDIAN_HOURS, FOLLOW_UP_SIGMA, FOLLOW_UP_MAX_DAYS = 30.0, 0.8, 14
FOLLOW_UP_TEAM = "A02"
COLUMNS = ["hospital_spell_id", "nhs_number", "date_of_birth", "sex", "ethnic_category", "lsoa_code",
           "gp_practice_code", "ward_type", "admission_datetime", "discharge_datetime", "discharge_destination"]


def _age_factor(age: np.ndarray) -> np.ndarray:
    table = np.zeros(131)
    for lo, hi, f in AGE_RATE:
        table[lo:hi + 1] = f
    return table[np.minimum(age, 130)]


def _ward(age: np.ndarray, ld: np.ndarray) -> np.ndarray:
    return np.where(age < 18, "01", np.where(ld, "05", np.where(age >= 65, "06", "03"))).astype(object)


def admissions(ctx, month: Month) -> pd.DataFrame:
    """The spells admitted in ``month`` (also before the window), each with its discharge and follow-up."""

    def build() -> pd.DataFrame:
        rng = ctx.rng("mh-spells", month)
        pop = ctx.pop
        factor = _age_factor(pop.age) * IMD_RATE_RATIO[pop.quintile] * np.where(pop.smi, SMI_RATE_RATIO, 1.0)
        lam = ADMISSION_RATE * month.season * month.exposure * factor / factor.mean()
        person = np.flatnonzero(rng.poisson(lam))  # at most one admission a month
        n = len(person)
        admit = month.start.astype("datetime64[s]") + rng.integers(0, month.days * 86400, n).astype("timedelta64[s]")
        stay_days = np.minimum(np.exp(np.log(STAY_MEDIAN_DAYS) + STAY_SIGMA * rng.standard_normal(n)), STAY_MAX_DAYS)
        discharge = admit + np.round(np.maximum(stay_days, 0.25) * 86400).astype("timedelta64[s]")
        dest = pick(DESTINATIONS, n, rng)
        delay_h = np.minimum(np.exp(np.log(FOLLOW_UP_MEDIAN_HOURS) + FOLLOW_UP_SIGMA * rng.standard_normal(n)),
                             FOLLOW_UP_MAX_DAYS * 24.0)
        followed = np.isin(dest, FOLLOWED_DESTINATIONS) & (rng.random(n) < FOLLOW_UP_SHARE)
        follow_up = np.where(followed, discharge + np.round(np.maximum(delay_h, 1.0) * 3600).astype(
            "timedelta64[s]"), np.datetime64("NaT", "s"))
        order = np.lexsort((person, admit))
        out = pd.DataFrame({"person": person, "admit": admit, "discharge": discharge, "dest": dest,
                            "follow_up": follow_up, "follow_up_dna": rng.random(n) < FOLLOW_UP_DNA_SHARE}).iloc[order]
        out["ward"] = _ward(pop.age[out["person"].to_numpy()], pop.ld[out["person"].to_numpy()])
        out["spell_id"] = ids(f"R1AS{month.label.replace('-', '')[2:]}", np.arange(1, n + 1), 5)
        return out.reset_index(drop=True)

    return ctx.shared("mh_spells", month, build)


def _recent(ctx, month: Month, back: int) -> pd.DataFrame:
    return pd.concat([admissions(ctx, ctx.month(month.index - k)) for k in range(back, -1, -1)], ignore_index=True)


def discharged_in(ctx, month: Month) -> pd.DataFrame:
    spells = _recent(ctx, month, LOOKBACK_MONTHS)
    when = spells["discharge"].to_numpy()
    return spells[(when >= month.start) & (when < month.end)].reset_index(drop=True)


def follow_ups_in(ctx, month: Month) -> pd.DataFrame:
    """The follow-up contacts dated in ``month``: person, when, whether attended, and the spell they follow."""
    spells = _recent(ctx, month, LOOKBACK_MONTHS + 1)
    when = spells["follow_up"].to_numpy()
    sel = spells[(when >= month.start) & (when < month.end)]
    return sel.sort_values(["follow_up", "person"], kind="stable").reset_index(drop=True)


def build(ctx, job: FileJob) -> pd.DataFrame:
    spells = discharged_in(ctx, job.month)
    cols = ctx.pop.person_columns(spells["person"].to_numpy())
    cols.update({
        "hospital_spell_id": spells["spell_id"].to_numpy(),
        "ward_type": spells["ward"].to_numpy(),
        "admission_datetime": spells["admit"].to_numpy(),
        "discharge_datetime": spells["discharge"].to_numpy(),
        "discharge_destination": spells["dest"].to_numpy(),
    })
    return frame(cols, COLUMNS)


def _normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + erf(z / sqrt(2.0)))


def describe() -> dict:
    """The follow-up model as written to truth.json: the intended share of followed destinations' discharges
    followed up by the generator's own attended contact within 72 hours (other contacts of the same people,
    drawn by the caseload, add to it)."""
    within_72h = _normal_cdf((log(72.0) - log(FOLLOW_UP_MEDIAN_HOURS)) / FOLLOW_UP_SIGMA)
    return {
        "admissions_per_person_year": ADMISSION_RATE,
        "followed_destinations": FOLLOWED_DESTINATIONS,
        "follow_up_share": FOLLOW_UP_SHARE,
        "follow_up_attended_share": 1 - FOLLOW_UP_DNA_SHARE,
        "follow_up_median_hours": FOLLOW_UP_MEDIAN_HOURS,
        "follow_up_sigma": FOLLOW_UP_SIGMA,
        "intended_share_within_72h": round(FOLLOW_UP_SHARE * (1 - FOLLOW_UP_DNA_SHARE) * within_72h, 6),
    }


FEEDS = [FeedDef("r1a_mh_spells", monthly("R1A_MHSDS_HSP_{yyyymm}.csv"), build)]
