"""Residents of the Welsh border whom Wye Valley treats: who they are and how many.

Hereford County Hospital is the nearest acute hospital for much of mid and south Powys and north Monmouthshire,
so some of Wye Valley's patients live in Wales. They are a population of their own, beside the registered
population of Herefordshire and Worcestershire: they live in Welsh LSOAs (``W01...``), are registered with Welsh
GP practices (synthetic codes ``W99001``...), and appear only in Wye Valley's feeds (synth.feeds.welsh_residents),
never on the ICB's GP list, the opt-out list, the community trust's or the councils' feeds.

How many: WELSH_SHARE of Wye Valley's rows, an assumption (docs/synthetic-data.md). Each border resident is drawn
like a Herefordshire resident (age, sex, ethnicity, registers, frailty and the deprivation class that drives the
generator's rate effects, from a Herefordshire LSOA), then given a Welsh home; so they use every Wye Valley
service at Herefordshire's rates, and a border population of share / (1 - share) times Herefordshire's residents
makes that share of every Wye Valley feed in expectation. The deprivation class is internal: the files carry only
the Welsh LSOA, which England's index does not cover.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from synth.geography import BORDER_DISTRICTS, PLACES, Geography
from synth.nhs import generate_nhs_numbers
from synth.population import Population, build_population
from synth.practices import build_practices

WELSH_SHARE = 0.07  # of Wye Valley's rows: residents of Wales (assumed; roughly 5-10% is defensible)
SERVING_TRUST = "RLQ"  # Wye Valley NHS Trust: the feeds whose ids start rlq_ carry the border population
PRACTICE_PREFIX = "W99"  # synthetic Welsh practice codes (W + five digits, like NHS Wales practice codes)
POPULATION_STREAM, HOME_STREAM = 2, 3  # random streams of the run's seed (the registered population uses 1)


@dataclass
class BorderPopulation(Population):
    """Residents of Welsh border LSOAs; ``geography`` holds those LSOAs and ``practices`` the Welsh practices."""

    rate_quintile: np.ndarray  # int8: the English IMD quintile of the Herefordshire LSOA each was drawn like

    @property
    def quintile(self) -> np.ndarray:
        """The deprivation class of the generator's rate effects (never written: a Welsh LSOA has none)."""
        return self.rate_quintile


def border_size(home: Population, share: float) -> int:
    """Border residents that make ``share`` of Wye Valley's activity, which otherwise is Herefordshire's."""
    herefordshire = int(np.count_nonzero(home.place == 0))
    return round(herefordshire * share / (1 - share))


def build_border_population(home: Population, geo: Geography, border: Geography, share: float,
                            seed: int) -> BorderPopulation:
    """The border population of a run whose registered population is ``home`` (living in ``geo``)."""
    n = border_size(home, share)
    like = build_population(n, seed, geo.of_place(PLACES[0]), home.ref_date, stream=POPULATION_STREAM)
    rng = np.random.default_rng([seed, HOME_STREAM])
    lsoa = rng.integers(0, len(border.lsoas), n).astype(np.int16)  # every border LSOA equally likely
    practices = build_practices(border, code_prefix=PRACTICE_PREFIX)
    persons = {f.name: getattr(like, f.name) for f in dataclasses.fields(Population)}
    persons.update(nhs=generate_nhs_numbers(n, rng, avoid=home.nhs), lsoa=lsoa, practice=practices.assign(lsoa, rng),
                   geography=border, practices=practices)
    return BorderPopulation(**persons, rate_quintile=like.quintile)


def describe(border: BorderPopulation, home: Population, share: float, feeds: list[str]) -> dict:
    """The truth.json entry: the intended share and what was built to give it."""
    return {
        "share_of_wye_valley_rows": share,
        "persons": border.n,
        "herefordshire_persons": int(np.count_nonzero(home.place == 0)),
        "lsoas": len(border.geography.lsoas),
        "districts": sorted(BORDER_DISTRICTS.values()),
        "practices": len(border.practices.table),
        "feeds": feeds,
    }
