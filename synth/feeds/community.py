"""Community services contacts (CSDS-like) from Herefordshire and Worcestershire Health and Care (R1A).

One row per care contact, with its referral (id and received time) and team type, including the 2-hour urgent
community response (UCR). Built-in effect: rural residents wait longer from UCR referral to first contact
(median 105 minutes against 75 in urban areas; about 59% against 78% within 2 hours).
"""

from __future__ import annotations

from collections.abc import Iterator
from math import erf, log, sqrt

import numpy as np
import pandas as pd

from synth.feeds.base import FeedDef, FileJob, frame, ids, in_chunks, monthly
from synth.feeds.caseload import Service, contacts_in, draw_caseload

RATE_SCALE = 2.75  # calibrates the total to ~1.17 million contacts a year for 800,000 people
SERVICES = [
    Service("DN", 0.022 * RATE_SCALE, ((0, 64, 0.3), (65, 74, 1.5), (75, 120, 5.0)), 12.0, 3.0, 6.0),
    Service("PT", 0.030 * RATE_SCALE, ((16, 120, 1.0),), 4.0, 21.0, 10.0),
    Service("POD", 0.012 * RATE_SCALE, ((16, 64, 0.5), (65, 120, 2.5)), 4.0, 28.0, 21.0),
    Service("SLT", 0.004 * RATE_SCALE, ((0, 10, 3.0), (11, 64, 0.3), (65, 120, 1.5)), 5.0, 35.0, 14.0),
    Service("HV", 0.55 * RATE_SCALE, ((0, 4, 1.0),), 3.0, 10.0, 45.0),
    Service("SN", 0.07 * RATE_SCALE, ((5, 15, 1.0),), 2.0, 21.0, 30.0),
    Service("REH", 0.02 * RATE_SCALE, ((50, 64, 0.4), (65, 120, 1.8)), 6.0, 5.0, 5.0),
    Service("UCR", 0.008 * RATE_SCALE, ((18, 64, 0.2), (65, 74, 1.0), (75, 120, 4.0)), 1.6, 0.05, 1.0),
    Service("DIET", 0.005 * RATE_SCALE, ((0, 120, 1.0),), 3.0, 28.0, 28.0),
]
UCR = 7
UCR_MEDIAN_MINUTES = {"urban": 75.0, "rural": 105.0}
UCR_SIGMA = 0.6
MEDIUM = np.array(["01", "02", "03"], dtype=object)  # face to face, telephone, video
LOCATION = np.array(["01", "02", "03", "04"], dtype=object)  # home, clinic, care home, GP practice
TEAM_CODES = np.array([s.code for s in SERVICES], dtype=object)
COLUMNS = ["contact_id", "referral_id", "nhs_number", "date_of_birth", "sex", "ethnic_category", "lsoa_code",
           "gp_practice_code", "team_type", "referral_received_datetime", "contact_datetime", "first_contact",
           "consultation_medium", "contact_location", "attendance_status", "duration_minutes"]


def _ucr_delay(ctx):
    def delay(refs: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        rural = ctx.pop.rural[refs["person"].to_numpy()]
        median_min = np.where(rural, UCR_MEDIAN_MINUTES["rural"], UCR_MEDIAN_MINUTES["urban"])
        ucr = np.exp(np.log(median_min * 60) + UCR_SIGMA * rng.standard_normal(len(refs)))
        median_days = np.array([s.first_delay_days for s in SERVICES])[refs["service"].to_numpy()]
        other = np.exp(np.log(median_days * 86400) + 0.7 * rng.standard_normal(len(refs)))
        return np.where(refs["service"].to_numpy() == UCR, ucr, other)

    return delay


def _draw(ctx):
    return lambda m: draw_caseload(ctx, "csds", m, SERVICES, ctx.pop.frailty.astype(float), _ucr_delay(ctx))


def build(ctx, job: FileJob) -> Iterator[pd.DataFrame]:
    c = contacts_in(ctx, "csds", job.month, _draw(ctx))
    rng = ctx.rng("csds-render", job.month)
    n = len(c)
    svc = c["service"].to_numpy()
    home_visit = np.isin(svc, [0, 7, 6])
    medium = np.where(home_visit, "01", MEDIUM[rng.choice(3, n, p=[0.8, 0.17, 0.03])])
    location = np.where(home_visit, "01", LOCATION[rng.choice(4, n, p=[0.2, 0.6, 0.05, 0.15])])
    location = np.where(medium == "01", location, None)
    u = rng.random(n)
    status = np.where(u < 0.05, "3", np.where(u < 0.08, "2", "5"))
    duration = np.clip(np.round(rng.gamma(3.0, 12.0, n)), 5, 240).astype(np.int64)
    label = job.month.label.replace("-", "")[2:]

    def render(s: slice) -> pd.DataFrame:
        cols = ctx.pop.person_columns(c["person"].to_numpy()[s])
        cols.update({
            "contact_id": ids(f"R1AK{label}", np.arange(s.start + 1, s.stop + 1), 7),
            "referral_id": ids(np.strings.add("R1AR", c["ref_label"].to_numpy()[s].astype("U4")),
                               c["ref_seq"].to_numpy()[s], 7),
            "team_type": TEAM_CODES[svc[s]],
            "referral_received_datetime": c["received"].to_numpy()[s],
            "contact_datetime": c["when"].to_numpy()[s],
            "first_contact": np.where(c["k"].to_numpy()[s] == 0, "Y", "N").astype(object),
            "consultation_medium": medium[s].astype(object),
            "contact_location": location[s].astype(object),
            "attendance_status": status[s].astype(object),
            "duration_minutes": duration[s],
        })
        return frame(cols, COLUMNS)

    return in_chunks(n, render)


def describe() -> dict:
    """The urgent response model as written to truth.json: the intended share of UCR referrals whose first
    contact comes within 120 minutes, by rurality of residence (log-normal delay: P(delay <= 120 min))."""

    def within(median: float) -> float:
        return round(0.5 * (1.0 + erf((log(120.0) - log(median)) / (UCR_SIGMA * sqrt(2.0)))), 6)

    return {
        "median_minutes_to_first_contact": dict(UCR_MEDIAN_MINUTES),
        "sigma": UCR_SIGMA,
        "intended_share_within_120_minutes": {k: within(m) for k, m in UCR_MEDIAN_MINUTES.items()},
    }


FEEDS = [FeedDef("r1a_community", monthly("R1A_CSDS_{yyyymm}.csv"), build)]
