"""Adult social care reablement episodes from Herefordshire Council (E06000019, XLSX) and Worcestershire County
Council (E10000034, CSV).

Episodes start within a few days of a hospital discharge to the usual place of residence of a person aged 65+
(from the admitted patient care spells, so the feeds link). Each monthly file holds the episodes whose hospital
discharge falls in its month, as the contract says (spells admitted earlier and discharged in the month
included; an episode waits for the file of its discharge month). Outcome: at home 91 days after discharge.
Built-in effects: 82% at home overall, lower at 85+ (-8 points) and in IMD quintile 1 (-6 points). Linkage to
the trusts' discharges: about 3% of records carry no NHS Number, 8% record the discharge a day early (still
linked within one day) and 6% record it 2 to 7 days early (the date the council took the referral, not linked),
so about 91% of episodes link (``describe``; a little more, as an early date is never moved into the month
before).
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
DISCHARGE_DAY_EARLY = 0.08  # discharge recorded one day before the trust's: linked (within one day)
DISCHARGE_DAYS_EARLY = 0.06  # recorded 2-7 days before the trust's: not linked
PROVIDERS = np.array(["Café Carers Ltd", "Zoë Home Support", "Brontë Reablement Services",
                      "Severn Home Care", "Malvern Hills Care at Home", "Wye Valley Homecare"], dtype=object)
COLUMNS = ["episode_id", "nhs_number", "date_of_birth", "sex", "ethnic_category", "lsoa_code",
           "discharging_provider", "hospital_discharge_date", "reablement_start_date", "reablement_end_date",
           "care_provider_name", "at_home_91_days"]


def describe() -> dict:
    """The linkage effect: the intended share of episodes linked to a trust discharge within one day."""
    return {"no_nhs_number": NO_NHS_NUMBER, "discharge_recorded_one_day_early": DISCHARGE_DAY_EARLY,
            "discharge_recorded_2_to_7_days_early": DISCHARGE_DAYS_EARLY,
            "intended_linked_share_about": round((1 - NO_NHS_NUMBER) * (1 - DISCHARGE_DAYS_EARLY), 6)}


def _episodes(ctx, month, place: int, prefix: str) -> pd.DataFrame:
    """The episodes after the 65+ discharges home of the spells admitted in ``month`` (any discharge month)."""
    pop = ctx.pop
    sp = spells(ctx, month)
    person = sp["person"].to_numpy()
    ok = (pop.age[person] >= 65) & (sp["dest"].to_numpy() == "19") & (pop.place[person] == place)
    rng = ctx.rng(f"reablement-{place}", month)
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
    slip = rng.random(n)
    early = np.where(slip < DISCHARGE_DAY_EARLY, 1,
                     np.where(slip < DISCHARGE_DAY_EARLY + DISCHARGE_DAYS_EARLY, rng.integers(2, 8, n), 0))
    recorded = discharge - early.astype("timedelta64[D]")
    recorded = np.where(recorded.astype("datetime64[M]") == discharge.astype("datetime64[M]"), recorded,
                        discharge)  # never early into the month before (its file has gone)
    cols.update({
        "nhs_number": nhs,
        "episode_id": ids(f"{prefix}{month.label.replace('-', '')[2:]}", np.arange(1, n + 1), 5),
        "discharging_provider": np.array([s[:3] for s in SITES], dtype=object)[sp["site"].to_numpy()],
        "hospital_discharge_date": recorded,
        "reablement_start_date": start,
        "reablement_end_date": end,
        "care_provider_name": PROVIDERS[rng.integers(0, len(PROVIDERS), n)],
        "at_home_91_days": at_home,
    })
    return frame(cols, COLUMNS)


def _build(place: int, prefix: str):
    def build(ctx, job: FileJob) -> pd.DataFrame:
        # episodes of earlier months' spells not yet discharged: they wait for their discharge month's file
        waiting = ctx.persistent(f"reablement-waiting-{place}", lambda: [])
        episodes = pd.concat([*waiting, _episodes(ctx, job.month, place, prefix)], ignore_index=True)
        now = episodes["hospital_discharge_date"].to_numpy().astype("datetime64[D]") < job.month.end
        waiting[:] = [episodes[~now]]
        df = episodes[now]
        return df.sort_values(["reablement_start_date", "episode_id"], kind="stable").reset_index(drop=True)

    return build


FEEDS = [
    FeedDef("e06000019_reablement", monthly("HC_Reablement_{ym}.xlsx"), _build(0, "HC")),
    FeedDef("e10000034_reablement", monthly("WCC_REABLEMENT_{yyyymm}.csv"), _build(1, "WCC")),
]
