"""Admitted patient care spells (HES/SUS-like) for RWP and RLQ.

Emergency spells (admission method 21) are the ECDS attendances that ended in admission, so the two feeds link
by person and date; GP-referred emergencies (22) and elective spells (11 waiting list, 12 booked, 13 planned;
about 70% day cases) are drawn per person. Length of stay grows with age. One spell per row; the monthly file
holds the spells admitted in that month (period = admission_date).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from synth.calendar import WEEKDAY_PLANNED, Month, sample_days
from synth.feeds.base import FileJob, frame, ids
from synth.feeds.ecds import SITES, base_attendances

# Elective spells per person-year by age band (0-15, 16-44, 45-64, 65-74, 75+), GP-referred emergencies alike.
AGE_EDGES = np.array([16, 45, 65, 75])
ELECTIVE_RATE = np.array([0.03, 0.07, 0.14, 0.26, 0.30])
GP_EMERGENCY_RATE = np.array([0.004, 0.006, 0.010, 0.020, 0.045])
ELECTIVE_SPECIALTIES = {"100": 14, "101": 10, "110": 12, "120": 6, "130": 14, "301": 14, "320": 6, "370": 8,
                        "502": 8, "340": 2, "300": 6}
DIAGNOSIS = {  # specialty -> ICD-10 primary diagnoses (4 characters, no dot)
    "100": ["K409", "K802", "K358", "L051"], "101": ["N201", "N40X", "C61X", "N390"],
    "110": ["M170", "M160", "S720", "S525"], "120": ["J350", "J342", "H660"], "130": ["H251", "H269", "H353"],
    "300": ["J189", "N390", "R074", "E86X", "A419"], "301": ["K590", "K922", "K500", "Z121"],
    "320": ["I214", "I480", "I500", "I10X"], "340": ["J440", "J189", "J181"], "370": ["C509", "C349", "Z511"],
    "400": ["G409", "I639"], "420": ["J069", "J210", "R509"], "430": ["R296", "N390", "J189", "F051"],
    "501": ["O800", "O470", "O342"], "502": ["N938", "D259", "N813"],
}
MAX_STAY_DAYS = 120
DESTINATIONS = ["19", "29", "51", "54", "65", "79"]  # usual residence, temporary, NHS hospital, care home x2, died
COLUMNS = ["spell_id", "nhs_number", "date_of_birth", "sex", "ethnic_category", "lsoa_code", "gp_practice_code",
           "site_code", "admission_method", "patient_classification", "treatment_function_code",
           "primary_diagnosis", "admission_date", "discharge_date", "discharge_destination"]


def emergency_specialty(age: np.ndarray, sex: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(len(age))
    spec = np.array(["300", "100", "110", "320", "340", "400"], dtype=object)[
        np.searchsorted([0.45, 0.62, 0.78, 0.88, 0.96], u)]
    spec = np.where(age >= 75, np.where(u < 0.55, "430", spec), spec)
    spec = np.where(age < 16, np.where(u < 0.8, "420", spec), spec)
    spec = np.where((sex == 1) & (age >= 18) & (age <= 44) & (u < 0.2), "501", spec)
    return spec.astype(object)


def primary_diagnosis(spec: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.empty(len(spec), dtype=object)
    for s, codes in DIAGNOSIS.items():
        rows = np.flatnonzero(spec == s)
        out[rows] = np.array(codes, dtype=object)[rng.integers(0, len(codes), len(rows))]
    return out


def length_of_stay(age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Days in hospital of an ordinary admission: log-normal, median 1.5 days (under 65), 3 (65-74), 5 (75+)."""
    los_median = np.where(age >= 75, 5.0, np.where(age >= 65, 3.0, 1.5))
    los = np.floor(np.exp(np.log(los_median) + 0.9 * rng.standard_normal(len(age)))).astype(np.int64)
    return np.clip(los, 0, MAX_STAY_DAYS)


def destination(emergency: np.ndarray, age: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Discharge destination from one uniform draw per spell: deaths after emergencies (more at 75+ and 85+),
    a few transfers, care homes at 80+, otherwise home."""
    died = emergency & (u < np.where(age >= 85, 0.07, np.where(age >= 75, 0.035, 0.004)))
    return np.where(died, "79", np.where(u > 0.985, "51", np.where((age >= 80) & (u > 0.95), "54", "19")))


def spell_keys(month: Month, n: int) -> np.ndarray:
    """Identifiers of the spells drawn for ``month``, unique within a run (readmissions number from 2**48)."""
    return np.int64(month.index + 1000) * (1 << 32) + np.arange(n, dtype=np.int64)


def base_spells(ctx, month: Month) -> pd.DataFrame:
    """The spells drawn for ``month`` at RWP or RLQ (numeric columns; persons by index; ``key`` identifies a
    spell), before the stays of one person are made not to overlap and emergency readmissions are added
    (synth.feeds.acute)."""

    def build() -> pd.DataFrame:
        rng = ctx.rng("apc", month)
        pop = ctx.pop
        ev = base_attendances(ctx, month)
        em = ev[ev["admitted"].to_numpy()]
        e_person = em["person"].to_numpy()
        e_site = em["site"].to_numpy()
        e_date = em["departure"].to_numpy().astype("datetime64[D]")
        band = np.searchsorted(AGE_EDGES, pop.age, side="right")
        exposure = month.exposure
        n_gp = rng.poisson(GP_EMERGENCY_RATE[band] * pop.frailty * month.season * exposure)
        n_el = rng.poisson(ELECTIVE_RATE[band] * exposure)
        g_person = np.repeat(np.arange(pop.n), n_gp)
        l_person = np.repeat(np.arange(pop.n), n_el)
        home_site = np.where(pop.place[g_person] == 0, 3, 0)
        g_site = home_site
        l_site = np.where(pop.place[l_person] == 0, 3, np.where(rng.random(len(l_person)) < 0.6, 0, 1))
        person = np.concatenate([e_person, g_person, l_person])
        site = np.concatenate([e_site, g_site, l_site])
        method = np.concatenate([np.full(len(e_person), "21"), np.full(len(g_person), "22"),
                                 np.array(["11", "12", "13"])[rng.choice(3, len(l_person), p=[0.7, 0.2, 0.1])]])
        admit = np.concatenate([
            e_date, sample_days(month, len(g_person), rng), sample_days(month, len(l_person), rng, WEEKDAY_PLANNED)])
        emergency = np.arange(len(person)) < len(e_person) + len(g_person)
        age = pop.age[person]
        sex = pop.sex[person]
        spec = emergency_specialty(age, sex, rng)
        el_codes = np.array(list(ELECTIVE_SPECIALTIES), dtype=object)
        el_w = np.array(list(ELECTIVE_SPECIALTIES.values()), float)
        spec = np.where(emergency, spec, el_codes[rng.choice(len(el_codes), len(person), p=el_w / el_w.sum())])
        day_case = ~emergency & (rng.random(len(person)) < 0.7)
        los = np.where(day_case, 0, length_of_stay(age, rng))
        discharge = admit + los.astype("timedelta64[D]")
        dest = destination(emergency, age, rng.random(len(person)))
        order = np.lexsort((person, admit))
        return pd.DataFrame({
            "person": person, "site": site, "method": method, "classification": np.where(day_case, "2", "1"),
            "specialty": spec, "diagnosis": primary_diagnosis(spec, rng), "admit": admit, "discharge": discharge,
            "dest": dest,
        }).iloc[order].reset_index(drop=True).assign(key=spell_keys(month, len(person)))

    return ctx.shared("apc", month, build)


def file_builder(trust: str, spells: Callable[..., pd.DataFrame]):
    """Rows of one trust's monthly file from ``spells(ctx, month)`` (every spell admitted in the month)."""

    def build(ctx, job: FileJob) -> pd.DataFrame:
        sp = spells(ctx, job.month)
        sites = SITES[sp["site"].to_numpy()]
        sp = sp[np.char.startswith(sites.astype(str), trust)]
        site = SITES[sp["site"].to_numpy()]
        cols = ctx.pop.person_columns(sp["person"].to_numpy())
        cols.update({
            "spell_id": ids(f"{trust}S{job.month.label.replace('-', '')[2:]}", np.arange(1, len(sp) + 1), 7),
            "site_code": site,
            "admission_method": sp["method"].to_numpy(dtype=object),
            "patient_classification": sp["classification"].to_numpy(dtype=object),
            "treatment_function_code": sp["specialty"].to_numpy(dtype=object),
            "primary_diagnosis": sp["diagnosis"].to_numpy(dtype=object),
            "admission_date": sp["admit"].to_numpy(),
            "discharge_date": sp["discharge"].to_numpy(),
            "discharge_destination": sp["dest"].to_numpy(dtype=object),
        })
        return frame(cols, COLUMNS)

    return build
