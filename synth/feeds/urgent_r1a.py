"""Minor injury unit attendances and 24/7 mental health helpline calls from R1A.

Minor injury units serve market towns: rural residents attend 1.8 times as often as urban residents. About a
third of helpline callers give no NHS Number (or LSOA); calls peak in the evening and at night.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.calendar import WEEKDAY_URGENT, Month, sample_days, sample_times
from synth.feeds.base import FeedDef, FileJob, frame, ids, monthly, pick
from synth.feeds.ecds import DEST

MIU_RATE = 0.041  # attendances per person-year, urban
MIU_RURAL_RATIO = 1.8
MIU_SITES = np.array(["R1A41", "R1A42", "R1A43", "R1A44", "R1A45", "R1A46"], dtype=object)
MIU_BY_DISTRICT = {  # nearest units by district of residence
    "E06000019": [4, 5], "E07000234": [2], "E07000235": [1, 3], "E07000236": [2], "E07000237": [1, 0],
    "E07000238": [0, 1], "E07000239": [3, 2],
}
MIU_HOURS = np.array([0, 0, 0, 0, 0, 0, 0, 0, 3, 6, 7, 7, 6, 6, 6, 6, 6, 6, 5, 4, 0, 0, 0, 0], dtype=float)
HELPLINE_RATE = 0.043  # calls per person-year
HELPLINE_HOURS = np.array([4, 3.5, 3, 2.5, 2, 1.5, 1.5, 2, 2.5, 3, 3, 3, 3, 3, 3, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6, 5])
MIU_COLUMNS = ["attendance_id", "nhs_number", "date_of_birth", "sex", "ethnic_category", "lsoa_code",
               "gp_practice_code", "site_code", "department_type", "acuity", "arrival_datetime",
               "departure_datetime", "discharge_destination"]
HELPLINE_COLUMNS = ["call_id", "nhs_number", "sex", "lsoa_code", "caller_type", "call_datetime", "wait_seconds",
                    "duration_seconds", "call_outcome"]


def _persons(ctx, month: Month, rate: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.repeat(np.arange(ctx.pop.n), rng.poisson(rate * month.season * month.exposure))


def build_miu(ctx, job: FileJob) -> pd.DataFrame:
    rng = ctx.rng("miu", job.month)
    pop = ctx.pop
    person = _persons(ctx, job.month, MIU_RATE * np.where(pop.rural, MIU_RURAL_RATIO, 1.0), rng)
    n = len(person)
    site = np.empty(n, dtype=np.int64)
    district = pop.district_of(person)
    u = rng.random(n)
    for d, options in MIU_BY_DISTRICT.items():
        rows = np.flatnonzero(district == d)
        site[rows] = np.array(options)[(u[rows] * len(options)).astype(int)]
    arrival = sample_times(sample_days(job.month, n, rng, WEEKDAY_URGENT), rng, MIU_HOURS)
    minutes = np.clip(np.exp(np.log(55) + 0.5 * rng.standard_normal(n)), 5, 600)
    order = np.lexsort((person, arrival))
    person, site, arrival, minutes = person[order], site[order], arrival[order], minutes[order]
    dest = np.where(rng.random(n) < 0.03, DEST["transfer"], np.where(rng.random(n) < 0.03, DEST["left"], DEST["home"]))
    cols = pop.person_columns(person)
    cols.update({
        "attendance_id": ids(np.strings.add(MIU_SITES[site].astype("U5"), job.month.label.replace("-", "")[2:]),
                             np.arange(1, n + 1), 6),
        "site_code": MIU_SITES[site],
        "department_type": np.full(n, "03", dtype=object),
        "acuity": rng.choice([3, 4, 5], n, p=[0.2, 0.55, 0.25]),
        "arrival_datetime": arrival,
        "departure_datetime": arrival + (minutes * 60).astype("timedelta64[s]"),
        "discharge_destination": dest.astype(object),
    })
    return frame(cols, MIU_COLUMNS)


def build_helpline(ctx, job: FileJob) -> pd.DataFrame:
    rng = ctx.rng("helpline", job.month)
    pop = ctx.pop
    factor = np.array([np.nan, 1.6, 1.35, 1.15, 1.05, 1.0])[pop.quintile] * np.where(pop.smi, 6.0, 1.0)
    person = _persons(ctx, job.month, HELPLINE_RATE * factor * (pop.age >= 16), rng)
    n = len(person)
    when = np.sort(sample_times(sample_days(job.month, n, rng, np.ones(7)), rng, HELPLINE_HOURS))
    rng.shuffle(person)
    anonymous = rng.random(n) < 0.32
    caller = pick({"1": 0.78, "2": 0.15, "3": 0.07}, n, rng)  # self, carer or family, professional
    nhs = pop.nhs_text(person).astype(object)
    nhs[anonymous | (caller != "1")] = None
    lsoa = pop.geography.codes[pop.lsoa[person]].copy()
    lsoa[anonymous] = None
    outcome = pick({"01": 0.55, "02": 0.2, "03": 0.15, "04": 0.07, "05": 0.03}, n, rng)
    return frame({
        "call_id": ids(f"R1AL{job.month.label.replace('-', '')[2:]}", np.arange(1, n + 1), 6),
        "nhs_number": nhs,
        "sex": np.where(anonymous, None, np.array(["1", "2", "9", "X"], dtype=object)[pop.sex[person]]),
        "lsoa_code": lsoa,
        "caller_type": caller,
        "call_datetime": when,
        "wait_seconds": np.round(rng.exponential(70, n)).astype(np.int64),
        "duration_seconds": np.round(np.exp(np.log(600) + 0.7 * rng.standard_normal(n))).astype(np.int64),
        "call_outcome": outcome,
    }, HELPLINE_COLUMNS)


FEEDS = [
    FeedDef("r1a_miu", monthly("R1A_MIU_{yyyymm}.csv"), build_miu),
    FeedDef("r1a_helpline", monthly("R1A_MHHELPLINE_{yyyymm}.csv"), build_helpline),
]
