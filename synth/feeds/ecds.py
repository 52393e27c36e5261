"""Emergency care attendances (ECDS-like) for Worcestershire Acute (RWP, three sites) and Wye Valley (RLQ).

Built-in effects (docs/synthetic-data.md): attendance rate by national IMD quintile 1.8 / 1.5 / 1.25 / 1.1 / 1.0
(quintile 1 = most deprived); winter seasonality and a Monday peak (synth.calendar); 4-hour performance by site
(Worcestershire Royal RWP50 worst, about 50%; trust RWP about 65%).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from synth.calendar import Month, sample_days, sample_times
from synth.feeds.base import FileJob, frame, ids

IMD_RATE_RATIO = np.array([np.nan, 1.8, 1.5, 1.25, 1.1, 1.0])  # by national IMD quintile
# Attendances per person-year at quintile 5, by age band (0-4, 5-15, 16-24, 25-64, 65-74, 75-84, 85+).
AGE_EDGES = np.array([5, 16, 25, 65, 75, 85])
AGE_RATE = np.array([0.32, 0.16, 0.22, 0.16, 0.20, 0.32, 0.56])

SITES = np.array(["RWP50", "RWP01", "RWP31", "RLQ01"], dtype=object)
DEPT_TYPE = np.array(["01", "01", "03", "01"], dtype=object)
# Median minutes from arrival to departure and spread (log scale): RWP50 is the worse-performing site.
SITE_MEDIAN_MIN = np.array([220.0, 155.0, 80.0, 172.0])
SITE_SIGMA = np.array([0.75, 0.75, 0.55, 0.75])
ADMITTED_DURATION_FACTOR = 1.35

DEST = {
    "home": "306689006", "admitted": "306706006", "transfer": "19712007", "residential": "306691003",
    "left": "1066331000000109", "died": "1066391000000105",
}
COLUMNS = ["attendance_id", "nhs_number", "date_of_birth", "sex", "ethnic_category", "lsoa_code",
           "gp_practice_code", "site_code", "department_type", "arrival_mode", "acuity", "arrival_datetime",
           "departure_datetime", "discharge_destination"]


def _site_for(ctx, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Site index by district of residence: Herefordshire and the Welsh border (W06...) -> RLQ01;
    Redditch/Bromsgrove -> Alexandra (RWP01); Wyre Forest -> Kidderminster (RWP31, type 3) or Worcester; the
    rest -> Worcestershire Royal (RWP50)."""
    district = ctx.pop.district_of(idx)
    u = rng.random(len(idx))
    site = np.where(u < 0.95, 0, 1)
    north_east = np.isin(district, ["E07000234", "E07000236"])
    site = np.where(north_east, np.where(u < 0.85, 1, 0), site)
    site = np.where(district == "E07000239", np.where(u < 0.65, 2, 0), site)
    wye_valley = (district == "E06000019") | np.strings.startswith(district.astype(str), "W")
    site = np.where(wye_valley, 3, site)
    return site


def acuity_and_arrival(age: np.ndarray, minor: np.ndarray, rng: np.random.Generator):
    """Acuity 1-5 (3-5 at a minor injury unit) and whether the patient came by ambulance (more often when old
    or very ill)."""
    acuity = rng.choice(5, len(age), p=[0.01, 0.12, 0.45, 0.35, 0.07]) + 1
    acuity = np.where(minor, np.maximum(acuity, 3), acuity)
    p_amb = 0.08 + 0.35 * (age >= 75) + 0.25 * (acuity <= 2)
    ambulance = rng.random(len(age)) < np.where(minor, 0.02, p_amb)
    return acuity, ambulance


def minutes_in_department(site: np.ndarray, admitted: np.ndarray, month: Month,
                          rng: np.random.Generator) -> np.ndarray:
    """Minutes from arrival to departure: log-normal by site, longer for admitted patients and in winter."""
    median = SITE_MEDIAN_MIN[site] * np.where(admitted, ADMITTED_DURATION_FACTOR, 1.0) * (
        1.0 + 0.6 * (month.season - 1.0))
    minutes = np.exp(np.log(median) + SITE_SIGMA[site] * rng.standard_normal(len(site)))
    return np.clip(minutes, 5, 72 * 60)


def base_attendances(ctx, month: Month) -> pd.DataFrame:
    """The attendances drawn per person in ``month`` for both trusts (numeric columns; persons by index).

    The delivered files also hold the attendances of emergency readmissions (synth.feeds.acute)."""

    def build() -> pd.DataFrame:
        rng = ctx.rng("ecds", month)
        pop = ctx.pop
        band = np.searchsorted(AGE_EDGES, pop.age, side="right")
        lam = AGE_RATE[band] * IMD_RATE_RATIO[pop.quintile] * pop.frailty * month.season * month.exposure
        counts = rng.poisson(lam)
        idx = np.repeat(np.arange(pop.n), counts)
        n = len(idx)
        site = _site_for(ctx, idx, rng)
        days = sample_days(month, n, rng)
        arrival = sample_times(days, rng)
        age = pop.age[idx]
        minor = DEPT_TYPE[site] == "03"
        acuity, ambulance = acuity_and_arrival(age, minor, rng)
        p_admit = 0.07 + 0.28 * (age >= 75) + 0.35 * (acuity <= 2) + 0.05 * ambulance
        admitted = (rng.random(n) < p_admit) & ~minor
        minutes = minutes_in_department(site, admitted, month, rng)
        departure = arrival + (minutes * 60).astype("timedelta64[s]")
        u = rng.random(n)
        dest = np.select(
            [admitted, u < 0.04, u < 0.05, (u < 0.08) & (age >= 80), u < 0.0505 + 0.001 * (age >= 85)],
            [1, 4, 2, 3, 5], default=0)
        order = np.lexsort((idx, arrival))
        return pd.DataFrame({
            "person": idx, "site": site, "arrival": arrival, "departure": departure, "acuity": acuity,
            "ambulance": ambulance, "admitted": admitted, "dest": dest,
        }).iloc[order].reset_index(drop=True)

    return ctx.shared("ecds", month, build)


_DEST_CODES = np.array([DEST[k] for k in ["home", "admitted", "transfer", "residential", "left", "died"]],
                       dtype=object)


def file_builder(trust: str, events: Callable[..., pd.DataFrame]):
    """Rows of one trust's monthly file from ``events(ctx, month)`` (every attendance of the month)."""

    def build(ctx, job: FileJob) -> pd.DataFrame:
        ev = events(ctx, job.month)
        sites = SITES[ev["site"].to_numpy()]
        ev = ev[np.char.startswith(sites.astype(str), trust)]
        site = ev["site"].to_numpy()
        person = ev["person"].to_numpy()
        cols = ctx.pop.person_columns(person)
        seq = np.arange(1, len(ev) + 1)
        cols.update({
            "attendance_id": ids(np.strings.add(SITES[site].astype("U5"), job.month.label.replace("-", "")[2:]),
                                 seq, 6),
            "site_code": SITES[site],
            "department_type": DEPT_TYPE[site],
            "arrival_mode": np.where(ev["ambulance"].to_numpy(), "1", "2").astype(object),
            "acuity": ev["acuity"].to_numpy(),
            "arrival_datetime": ev["arrival"].to_numpy(),
            "departure_datetime": ev["departure"].to_numpy(),
            "discharge_destination": _DEST_CODES[ev["dest"].to_numpy()],
        })
        return frame(cols, COLUMNS)

    return build

