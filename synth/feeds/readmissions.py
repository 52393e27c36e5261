"""Emergency readmissions within 30 days of discharge: the model, and drawing the readmission spells.

An index discharge is an ordinary admission (patient classification 1) discharged alive (destination not 79),
without a cancer primary diagnosis (C00-C97) or obstetrics (treatment function 501). It is followed by an emergency
readmission (method 21-28, not cancer, not obstetrics, at either trust, admitted 0-29 days after the discharge
date) with probability (multiplicative model, capped at 0.9)

    p = BASE_RATE x AGE_RATE_RATIO[age band at admission] x IMD_RATE_RATIO[national IMD quintile of residence]

which is about 14% over the index discharges of a year. Emergency admissions the other processes already placed
in those 30 days count (they are readmissions too); the model adds readmissions to the other index discharges
with the probability that brings the total to p (``Calibration``). About one readmission in ten is at the other
trust; 80% come through A&E (method 21, with their ECDS attendance), the rest through the GP (22).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.calendar import Month, sample_times
from synth.feeds.apc import destination, emergency_specialty, length_of_stay, primary_diagnosis
from synth.feeds.ecds import SITES, acuity_and_arrival, minutes_in_department

AGE_BANDS = ["0-17", "18-44", "45-64", "65-79", "80+"]  # the published bands
AGE_BAND_EDGES = np.array([18, 45, 65, 80])
BASE_RATE = 0.135
AGE_RATE_RATIO = np.array([0.7, 0.8, 0.95, 1.1, 1.35])
# By national IMD quintile (1 = most deprived); index 0 = no English quintile (for example a Welsh LSOA).
IMD_RATE_RATIO = np.array([1.0, 1.25, 1.12, 1.0, 0.93, 0.85])
MAX_RATE = 0.9
OTHER_TRUST_SHARE = 0.10  # of readmitted index discharges, the first readmission at the other trust
VIA_AE_SHARE = 0.8  # readmissions through A&E (method 21); the rest are emergency admissions via the GP (22)
MEAN_DAYS_TO_READMISSION = 10.0  # exponential, truncated to 0-29 days: most readmissions come in the first weeks
WINDOW_DAYS = 30  # admitted 0 to 29 days after the discharge date
# The other trust's emergency department: RLQ index -> Worcestershire Royal (RWP50), RWP index -> Hereford (RLQ01).
OTHER_TRUST_SITE = np.where(np.char.startswith(SITES.astype(str), "RLQ"), 0, 3)
N_CELLS = len(AGE_BANDS) * len(IMD_RATE_RATIO)
_CANCER = r"C([0-8][0-9]|9[0-7])"


def age_band(age: np.ndarray) -> np.ndarray:
    """Index into AGE_BANDS."""
    return np.searchsorted(AGE_BAND_EDGES, age, side="right")


def quintile_cell(quintile: np.ndarray) -> np.ndarray:
    """Index into IMD_RATE_RATIO: the quintile 1-5, or 0 when there is none."""
    q = np.asarray(quintile, dtype=np.int64)
    return np.where((q >= 1) & (q <= 5), q, 0)


def cell_of(band: np.ndarray, qcell: np.ndarray) -> np.ndarray:
    return band * len(IMD_RATE_RATIO) + qcell


def rate_of_cell() -> np.ndarray:
    """p for every (age band, quintile cell), flattened as ``cell_of``."""
    return np.minimum(BASE_RATE * np.outer(AGE_RATE_RATIO, IMD_RATE_RATIO), MAX_RATE).ravel()


def _excluded(spells: pd.DataFrame) -> np.ndarray:
    """Cancer primary diagnosis or obstetrics: neither an index discharge nor a readmission."""
    cancer = spells["diagnosis"].astype(str).str.match(_CANCER).to_numpy()
    return cancer | (spells["specialty"].to_numpy() == "501")


def is_index(spells: pd.DataFrame) -> np.ndarray:
    return ((spells["classification"].to_numpy() == "1") & (spells["dest"].to_numpy() != "79")
            & ~_excluded(spells))


def is_readmission(spells: pd.DataFrame) -> np.ndarray:
    method = spells["method"].to_numpy().astype(str)
    return (method >= "21") & (method <= "28") & ~_excluded(spells)


class Calibration:
    """Keeps the count of a yes/no outcome in every cell on its expectation.

    In a batch, some rows are already yes (an emergency admission follows anyway) and some are free to be made
    yes; a free row is made yes with probability (sum of p + carry - already yes) / free rows, clipped to 0-1.
    What clipping (or a readmission that finds no room) leaves over or short carries to the cell's next batch, so
    the rate stays on p."""

    def __init__(self, n_cells: int):
        self.carry = np.zeros(n_cells)

    def probability(self, cell: np.ndarray, p: np.ndarray, yes: np.ndarray, free: np.ndarray) -> np.ndarray:
        """The probability for the free rows, by cell."""
        n = len(self.carry)
        expected = np.bincount(cell, weights=p, minlength=n) + self.carry
        have = np.bincount(cell, weights=yes, minlength=n)
        room = np.bincount(cell, weights=free, minlength=n)
        return np.clip((expected - have) / np.maximum(room, 1), 0.0, 1.0)

    def settle(self, cell: np.ndarray, p: np.ndarray, yes: np.ndarray) -> None:
        n = len(self.carry)
        self.carry += np.bincount(cell, weights=p, minlength=n) - np.bincount(cell, weights=yes, minlength=n)


def _days_after(lo: np.ndarray, hi: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Whole days in [lo, hi] from the exponential with mean MEAN_DAYS_TO_READMISSION, truncated there."""

    def cdf(days: np.ndarray) -> np.ndarray:
        return 1.0 - np.exp(-days / MEAN_DAYS_TO_READMISSION)

    u = cdf(lo) + rng.random(len(lo)) * (cdf(hi + 1.0) - cdf(lo))
    return np.clip(np.floor(-MEAN_DAYS_TO_READMISSION * np.log1p(-u)), lo, hi).astype(np.int64)


def draw(ctx, index: pd.DataFrame, first: np.ndarray, last: np.ndarray, until: np.ndarray,
         other_trust: np.ndarray, month: Month, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One emergency readmission for each row of ``index``, admitted between the dates ``first`` and ``last``
    and discharged by ``until`` (the person's next admission), at the other trust where ``other_trust``.

    Returns the spells and, for those through A&E, their ECDS attendances (departing on the admission day)."""
    pop = ctx.pop
    person = index["person"].to_numpy()
    age = pop.age[person]
    t = index["discharge"].to_numpy().astype("datetime64[D]")
    site = np.where(other_trust, OTHER_TRUST_SITE[index["site"].to_numpy()], index["site"].to_numpy())
    via_ae = rng.random(len(person)) < VIA_AE_SHARE
    days = _days_after((first.astype("datetime64[D]") - t).astype(np.int64),
                       (last.astype("datetime64[D]") - t).astype(np.int64), rng)
    admit = t + days.astype("timedelta64[D]")
    discharge = np.minimum(admit + length_of_stay(age, rng).astype("timedelta64[D]"), until)
    spec = emergency_specialty(age, pop.sex[person], rng)
    spec = np.where(spec == "501", "300", spec).astype(object)  # an obstetric admission is not a readmission
    spells = pd.DataFrame({
        "person": person, "site": site, "method": np.where(via_ae, "21", "22"), "classification": "1",
        "specialty": spec, "diagnosis": primary_diagnosis(spec, rng), "admit": admit, "discharge": discharge,
        "dest": destination(np.ones(len(person), bool), age, rng.random(len(person))),
    })
    return spells, _attendances(ctx, spells[via_ae], t[via_ae], month, rng)


def _attendances(ctx, spells: pd.DataFrame, not_before: np.ndarray, month: Month,
                 rng: np.random.Generator) -> pd.DataFrame:
    """The A&E attendance of each readmission: it ends in admission on the spell's admission day."""
    person = spells["person"].to_numpy()
    site = spells["site"].to_numpy()
    n = len(person)
    departure = sample_times(spells["admit"].to_numpy(), rng)
    minutes = minutes_in_department(site, np.ones(n, bool), month, rng)
    arrival = np.maximum(departure - (minutes * 60).astype("timedelta64[s]"), not_before.astype("datetime64[s]"))
    acuity, ambulance = acuity_and_arrival(ctx.pop.age[person], np.zeros(n, bool), rng)
    return pd.DataFrame({"person": person, "site": site, "arrival": arrival, "departure": departure,
                         "acuity": acuity, "ambulance": ambulance, "admitted": True, "dest": 1})


def describe() -> dict:
    """The model as written to truth.json."""
    rate = rate_of_cell().reshape(len(AGE_BANDS), len(IMD_RATE_RATIO))
    return {
        "model": "p = base_rate x rate_ratio_by_age_band x rate_ratio_by_imd_quintile (at most 0.9) per index "
                 "discharge; emergency admissions already within 30 days count towards p",
        "base_rate": BASE_RATE,
        "rate_ratio_by_age_band": dict(zip(AGE_BANDS, AGE_RATE_RATIO.tolist(), strict=True)),
        "rate_ratio_by_imd_quintile": {str(q): float(IMD_RATE_RATIO[q]) for q in range(1, 6)},
        "rate_by_age_band_and_imd_quintile": {
            band: {str(q): round(float(rate[b, q]), 6) for q in range(1, 6)} for b, band in enumerate(AGE_BANDS)},
        "other_trust_share": OTHER_TRUST_SHARE,
        "via_ae_share": VIA_AE_SHARE,
        "mean_days_to_readmission": MEAN_DAYS_TO_READMISSION,
    }
