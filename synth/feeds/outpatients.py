"""Outpatient appointments (SUS-like) for RWP and RLQ: attended, did not attend (DNA) or cancelled; first or
follow-up; consultation medium face to face, telephone or video.

Built-in effect: the DNA rate rises with deprivation (quintile 1 about 2.2 times quintile 5) and is highest at
ages 16-34.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from synth.calendar import HOUR_PLANNED, WEEKDAY_PLANNED, Month, sample_days, sample_times
from synth.feeds.base import FeedDef, FileJob, frame, ids, in_chunks, monthly, pick
from synth.feeds.ecds import SITES

AGE_EDGES = np.array([16, 45, 65, 75])
RATE = np.array([0.45, 0.65, 1.05, 1.5, 1.6])  # appointments per person-year
DNA_BY_QUINTILE = np.array([np.nan, 0.11, 0.09, 0.07, 0.06, 0.05])
SPECIALTIES = {"100": 8, "101": 6, "110": 12, "120": 7, "130": 14, "300": 5, "301": 7, "320": 9, "340": 5,
               "370": 6, "400": 4, "420": 5, "430": 3, "501": 5, "502": 6}
MEDIUM = {"01": 0.78, "02": 0.16, "03": 0.05, "98": 0.01}  # face to face, telephone, video, other
COLUMNS = ["appointment_id", "nhs_number", "date_of_birth", "sex", "ethnic_category", "lsoa_code",
           "gp_practice_code", "site_code", "treatment_function_code", "first_attendance", "consultation_medium",
           "priority_type", "attendance_status", "appointment_datetime"]


def opa_events(ctx, month: Month) -> pd.DataFrame:
    def build() -> pd.DataFrame:
        rng = ctx.rng("opa", month)
        pop = ctx.pop
        band = np.searchsorted(AGE_EDGES, pop.age, side="right")
        person = np.repeat(np.arange(pop.n), rng.poisson(RATE[band] * month.exposure))
        n = len(person)
        site = np.where(pop.place[person] == 0, 3, rng.choice(3, n, p=[0.55, 0.3, 0.15]))
        when = sample_times(sample_days(month, n, rng, WEEKDAY_PLANNED), rng, HOUR_PLANNED)
        age = pop.age[person]
        p_dna = DNA_BY_QUINTILE[pop.quintile[person]] * np.where((age >= 16) & (age < 35), 1.5, 1.0)
        u = rng.random(n)
        status = np.where(u < p_dna, "3", np.where(u < p_dna + 0.04, "2", np.where(
            u < p_dna + 0.07, "4", np.where(u < p_dna + 0.10, "6", "5"))))
        order = np.lexsort((person, when))
        return pd.DataFrame({
            "person": person, "site": site, "when": when, "status": status,
            "specialty": pick(SPECIALTIES, n, rng), "first": np.where(rng.random(n) < 0.33, "1", "2"),
            "medium": pick(MEDIUM, n, rng), "priority": pick({"1": 0.8, "2": 0.12, "3": 0.08}, n, rng),
        }).iloc[order].reset_index(drop=True)

    return ctx.shared("opa", month, build)


def _build(trust: str):
    def build(ctx, job: FileJob) -> Iterator[pd.DataFrame]:
        ev = opa_events(ctx, job.month)
        ev = ev[np.char.startswith(SITES[ev["site"].to_numpy()].astype(str), trust)]
        label = job.month.label.replace("-", "")[2:]

        def render(s: slice) -> pd.DataFrame:
            part = ev.iloc[s]
            cols = ctx.pop.person_columns(part["person"].to_numpy())
            cols.update({
                "appointment_id": ids(f"{trust}O{label}", np.arange(s.start + 1, s.stop + 1), 7),
                "site_code": SITES[part["site"].to_numpy()],
                "treatment_function_code": part["specialty"].to_numpy(dtype=object),
                "first_attendance": part["first"].to_numpy(dtype=object),
                "consultation_medium": part["medium"].to_numpy(dtype=object),
                "priority_type": part["priority"].to_numpy(dtype=object),
                "attendance_status": part["status"].to_numpy(dtype=object),
                "appointment_datetime": part["when"].to_numpy(),
            })
            return frame(cols, COLUMNS)

        return in_chunks(len(ev), render)

    return build


FEEDS = [
    FeedDef("rwp_outpatients", monthly("RWP_OPA_{ym}.csv"), _build("RWP")),
    FeedDef("rlq_outpatients", monthly("WVT_OPA_{yyyymm}.csv"), _build("RLQ")),
]
