"""Synthetic GP practices with ODS-style codes, grouped into primary care networks (PCNs) and the two places.

The practice list is reference data: it depends only on the real geography (never on the seed or the scale), so
``contracts/reference/gp_practices.csv`` stays stable and can be committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from synth.geography import Geography

PERSONS_PER_PRACTICE = 9_500  # at the real population (~800,000 people, ~84 practices)
PRACTICES_PER_PCN = 5
_NAMES = ["Surgery", "Medical Centre", "Health Centre", "Medical Practice", "Family Practice"]


@dataclass(frozen=True)
class Practices:
    table: pd.DataFrame  # code, description, pcn_code, pcn_name, place, district_code, weight

    @property
    def codes(self) -> np.ndarray:
        return self.table["code"].to_numpy(dtype=object)

    def assign(self, lsoa: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A practice for each person: 95% in their own district (by list size), 5% anywhere in their place."""
        lsoa_district = self._geo_district[lsoa]
        out = np.empty(len(lsoa), dtype=np.int16)
        t = self.table
        for district in np.unique(lsoa_district):
            members = np.flatnonzero(lsoa_district == district)
            local = np.flatnonzero(t["district_code"].to_numpy() == district)
            place = t["place"].to_numpy()[local[0]]
            wider = np.flatnonzero(t["place"].to_numpy() == place)
            w_local = t["weight"].to_numpy()[local]
            w_wider = t["weight"].to_numpy()[wider]
            pick_local = local[rng.choice(len(local), len(members), p=w_local / w_local.sum())]
            pick_wider = wider[rng.choice(len(wider), len(members), p=w_wider / w_wider.sum())]
            out[members] = np.where(rng.random(len(members)) < 0.95, pick_local, pick_wider)
        return out


def build_practices(geo: Geography, code_prefix: str = "M99") -> Practices:
    """About one practice per 9,500 people of each district, codes ``<code_prefix>001``... (``M99`` English,
    ``W99`` the Welsh practices of the border population)."""
    rng = np.random.default_rng(1_000_003)  # fixed: the practice list is reference data, not seeded data
    lt = geo.lsoas
    rows = []
    seq = 0
    pcn_seq = 0
    for district_code, group in lt.groupby("district_code", sort=True):
        n_prac = max(2, round(group["pop_total"].sum() / PERSONS_PER_PRACTICE))
        weights = rng.dirichlet(np.full(n_prac, 4.0))
        n_pcn = max(1, round(n_prac / PRACTICES_PER_PCN))
        district = group["district"].iloc[0].split(",")[0]
        for i in range(n_prac):
            seq += 1
            pcn = pcn_seq + 1 + i * n_pcn // n_prac
            rows.append({
                "code": f"{code_prefix}{seq:03d}",
                "description": f"{district} {_NAMES[seq % len(_NAMES)]} {i + 1}",
                "pcn_code": f"U9{pcn:04d}",
                "pcn_name": f"{district} PCN {1 + i * n_pcn // n_prac}",
                "place": group["place"].iloc[0],
                "district_code": district_code,
                "weight": round(float(weights[i]), 6),
            })
        pcn_seq += n_pcn
    table = pd.DataFrame(rows)
    practices = Practices(table)
    object.__setattr__(practices, "_geo_district", lt["district_code"].to_numpy())
    return practices


def write_reference(practices: Practices, path: Path) -> None:
    cols = ["code", "description", "pcn_code", "pcn_name", "place", "district_code"]
    practices.table[cols].to_csv(path, index=False, lineterminator="\n")
