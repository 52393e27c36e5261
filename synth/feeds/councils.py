"""Adult social care reablement episodes from Herefordshire Council (E06000019, XLSX) and Worcestershire County
Council (E10000034, CSV).

Episodes start within a few days of a hospital discharge to the usual place of residence of a person aged 65+
(from the admitted patient care spells, so the feeds link). Outcome: at home 91 days after discharge. Built-in
effect: 82% at home overall, lower at 85+ (-8 points) and in IMD quintile 1 (-6 points). About 3% of records
carry no NHS Number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.feeds.acute import spells
from synth.feeds.base import FeedDef, FileJob, frame, ids, monthly
from synth.feeds.ecds import SITES

REABLEMENT_SHARE = 0.12  # of 65+ discharges home
AT_HOME_BASE = 0.85
NO_NHS_NUMBER = 0.03
PROVIDERS = np.array(["Café Carers Ltd", "Zoë Home Support", "Brontë Reablement Services",
                      "Severn Home Care", "Malvern Hills Care at Home", "Wye Valley Homecare"], dtype=object)
COLUMNS = ["episode_id", "nhs_number", "date_of_birth", "sex", "ethnic_category", "lsoa_code",
           "discharging_provider", "hospital_discharge_date", "reablement_start_date", "reablement_end_date",
           "care_provider_name", "at_home_91_days"]


def _build(place: int, prefix: str):
    def build(ctx, job: FileJob) -> pd.DataFrame:
        pop = ctx.pop
        sp = spells(ctx, job.month)
        person = sp["person"].to_numpy()
        ok = (pop.age[person] >= 65) & (sp["dest"].to_numpy() == "19") & (pop.place[person] == place)
        rng = ctx.rng(f"reablement-{place}", job.month)
        ok &= rng.random(len(sp)) < REABLEMENT_SHARE
        sp = sp[ok]
        person = sp["person"].to_numpy()
        n = len(sp)
        discharge = sp["discharge"].to_numpy().astype("datetime64[D]")
        start = discharge + rng.integers(0, 4, n).astype("timedelta64[D]")
        end = start + rng.integers(10, 43, n).astype("timedelta64[D]")
        p_home = AT_HOME_BASE - 0.08 * (pop.age[person] >= 85) - 0.06 * (pop.quintile[person] == 1)
        at_home = rng.random(n) < p_home
        cols = pop.person_columns(person)
        nhs = cols["nhs_number"].astype(object)
        nhs[rng.random(n) < NO_NHS_NUMBER] = None
        cols.update({
            "nhs_number": nhs,
            "episode_id": ids(f"{prefix}{job.month.label.replace('-', '')[2:]}", np.arange(1, n + 1), 5),
            "discharging_provider": np.array([s[:3] for s in SITES], dtype=object)[sp["site"].to_numpy()],
            "hospital_discharge_date": discharge,
            "reablement_start_date": start,
            "reablement_end_date": end,
            "care_provider_name": PROVIDERS[rng.integers(0, len(PROVIDERS), n)],
            "at_home_91_days": at_home,
        })
        df = frame(cols, COLUMNS)
        return df.sort_values("reablement_start_date", kind="stable").reset_index(drop=True)

    return build


FEEDS = [
    FeedDef("e06000019_reablement", monthly("HC_Reablement_{ym}.xlsx"), _build(0, "HC")),
    FeedDef("e10000034_reablement", monthly("WCC_REABLEMENT_{yyyymm}.csv"), _build(1, "WCC")),
]
