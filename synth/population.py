"""The registered population: one row per person, compact numpy columns shared by every feed.

Persons carry everything the feeds need to stay consistent across organisations (the same NHS Number, date of
birth, sex, ethnicity, LSOA and GP practice wherever they appear) plus a frailty multiplier that makes some people
frequent users of every service.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth.geography import PLACES, Geography
from synth.nhs import generate_nhs_numbers
from synth.practices import Practices, build_practices

SEX_CODES = np.array(["1", "2", "9", "X"], dtype=object)
SEX_P = [0.4935, 0.5015, 0.0005, 0.0045]

ETHNIC_CODES = np.array(list("ABCDEFGHJKLMNPRS") + ["Z", "99"], dtype=object)
# Less diverse (rural, affluent) and more diverse (urban, deprived) mixes; each LSOA's mix is a blend by quintile.
_ETH_LOW = np.array([.905, .008, .025, .003, .001, .003, .002, .004, .002, .001, .002, .001, .001, .001, .002, .002,
                     .025, .012])
_ETH_HIGH = np.array([.76, .006, .06, .012, .004, .006, .006, .02, .035, .01, .012, .005, .01, .004, .003, .007,
                      .025, .015])
ETH_BLEND = {1: 1.0, 2: 0.6, 3: 0.3, 4: 0.1, 5: 0.0}

LD_PREVALENCE = 0.005
SMI_PREVALENCE_BY_QUINTILE = {1: 0.018, 2: 0.013, 3: 0.010, 4: 0.008, 5: 0.007}


@dataclass
class Population:
    n: int
    ref_date: np.datetime64  # ages are measured at this date (the first day of the window)
    nhs: np.ndarray  # int64
    dob: np.ndarray  # datetime64[D]
    age: np.ndarray  # int16, at ref_date
    sex: np.ndarray  # int8 index into SEX_CODES
    eth: np.ndarray  # int8 index into ETHNIC_CODES
    lsoa: np.ndarray  # int16 index into geography.lsoas
    practice: np.ndarray  # int16 index into practices.table
    ld: np.ndarray  # bool, learning disability register
    smi: np.ndarray  # bool, severe mental illness register
    frailty: np.ndarray  # float32, mean 1, multiplies every service-use rate
    geography: Geography
    practices: Practices

    # Attributes of each person's LSOA, looked up once.
    @property
    def quintile(self) -> np.ndarray:
        return self._lsoa_attr("imd_quintile", lambda t: t["imd_quintile"].to_numpy(np.int8))

    @property
    def rural(self) -> np.ndarray:
        return self._lsoa_attr("rural", lambda t: t["rural"].to_numpy(bool))

    @property
    def place(self) -> np.ndarray:
        """0 Herefordshire, 1 Worcestershire (by residence); the Welsh border population (BorderPopulation) is 0
        too: the acute trusts send it to Wye Valley, as they send Herefordshire."""
        return self._lsoa_attr("place", lambda t: (t["place"] == PLACES[1]).to_numpy(np.int8))

    def district_of(self, idx: np.ndarray) -> np.ndarray:
        """District code of residence of the persons at ``idx`` (object array)."""
        return self.geography.lsoas["district_code"].to_numpy(dtype=object)[self.lsoa[idx]]

    def _lsoa_attr(self, name: str, per_lsoa) -> np.ndarray:
        """A compact per-person copy of an LSOA attribute, looked up once."""
        cache = self.__dict__.setdefault("_cache", {})
        if name not in cache:
            cache[name] = per_lsoa(self.geography.lsoas)[self.lsoa]
        return cache[name]

    def nhs_text(self, idx: np.ndarray) -> np.ndarray:
        return self.nhs[idx].astype("U10")

    def person_columns(self, idx: np.ndarray) -> dict[str, object]:
        """The person columns most feeds carry, for the persons at ``idx``."""
        return {
            "nhs_number": self.nhs_text(idx),
            "date_of_birth": self.dob[idx],
            "sex": SEX_CODES[self.sex[idx]],
            "ethnic_category": ETHNIC_CODES[self.eth[idx]],
            "lsoa_code": self.geography.codes[self.lsoa[idx]],
            "gp_practice_code": self.practices.codes[self.practice[idx]],
        }

    def age_at(self, idx: np.ndarray, when: np.ndarray) -> np.ndarray:
        """Completed years of age at ``when`` (datetime64), vectorised; as the ingest derives it (a birthday not
        yet reached when month * 100 + day of ``when`` is below that of the date of birth)."""
        return completed_years(self.dob[idx], np.asarray(when))


def completed_years(dob: np.ndarray, when: np.ndarray) -> np.ndarray:
    def year_and_day(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        year = d.astype("datetime64[Y]")
        month = d.astype("datetime64[M]")
        day = (d.astype("datetime64[D]") - month.astype("datetime64[D]")).astype(np.int64)
        return year.astype(np.int64), (month - year).astype(np.int64) * 100 + day

    y_when, md_when = year_and_day(when)
    y_dob, md_dob = year_and_day(dob)
    return y_when - y_dob - (md_when < md_dob)


def _draw_ages(geo: Geography, lsoa: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Age band from the LSOA's own split (0-15, 16-59, 60+), then an age within the band."""
    t = geo.lsoas
    total = t.pop_total.to_numpy(float)
    p_young = (t.pop_0_15.to_numpy(float) / total).astype(np.float32)[lsoa]
    p_not_old = ((t.pop_0_15 + t.pop_16_59).to_numpy(float) / total).astype(np.float32)[lsoa]
    u = rng.random(len(lsoa), dtype=np.float32)
    young = rng.integers(0, 16, len(lsoa), dtype=np.int16)
    middle = rng.integers(16, 60, len(lsoa), dtype=np.int16)
    old = np.minimum(60 + np.floor(rng.exponential(13.0, len(lsoa))), 104).astype(np.int16)
    return np.where(u < p_young, young, np.where(u < p_not_old, middle, old))


def build_population(n: int, seed: int, geo: Geography, ref_date: np.datetime64, stream: int = 1) -> Population:
    """``n`` persons living in ``geo`` (``stream`` tells apart the random draws of other populations of a run)."""
    rng = np.random.default_rng([seed, stream])
    lt = geo.lsoas
    weights = lt["pop_total"].to_numpy(float)
    lsoa = rng.choice(len(lt), size=n, p=weights / weights.sum()).astype(np.int16)
    ages = _draw_ages(geo, lsoa, rng)
    days_into_year = rng.integers(0, 365, n)
    dob = (ref_date - (ages.astype(np.int64) * 36525 // 100 + days_into_year + 1).astype("timedelta64[D]")).astype(
        "datetime64[D]")
    sex = rng.choice(len(SEX_CODES), size=n, p=SEX_P).astype(np.int8)

    quintile = lt["imd_quintile"].to_numpy()[lsoa]
    eth = np.empty(n, dtype=np.int8)
    for q, blend in ETH_BLEND.items():
        members = np.flatnonzero(quintile == q)
        p = blend * _ETH_HIGH + (1 - blend) * _ETH_LOW
        eth[members] = rng.choice(len(ETHNIC_CODES), size=len(members), p=p / p.sum())

    practices = build_practices(geo)
    practice = practices.assign(lsoa, rng)

    nhs = generate_nhs_numbers(n, rng)
    smi_p = np.array([0.0] + [SMI_PREVALENCE_BY_QUINTILE[q] for q in range(1, 6)])[quintile]
    years = ((ref_date - dob).astype(int) // 365.25).astype(np.int16)
    smi = (rng.random(n) < smi_p) & (years >= 18)
    ld = (rng.random(n) < LD_PREVALENCE * 1.25) & (years >= 10)
    frailty = rng.gamma(2.0, 0.5, n).astype(np.float32)
    return Population(n=n, ref_date=ref_date, nhs=nhs, dob=dob, age=years, sex=sex, eth=eth, lsoa=lsoa,
                      practice=practice, ld=ld, smi=smi, frailty=frailty, geography=geo, practices=practices)


def population_frame(pop: Population, idx: np.ndarray | None = None) -> pd.DataFrame:
    idx = np.arange(pop.n) if idx is None else idx
    cols = pop.person_columns(idx)
    return pd.DataFrame(cols)
