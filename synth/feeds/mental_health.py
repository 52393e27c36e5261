"""Mental health referrals and care contacts (MHSDS-like) from R1A, sharing one set of referrals.

Built-in effects: referral rate by IMD quintile 1.6 / 1.35 / 1.15 / 1.05 / 1.0, and people on the severe mental
illness register are referred eight times as often. The contacts also hold the follow-up contacts after
discharges from the mental health wards (synth.feeds.mh_spells), on the inpatient spell's own referral.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

import numpy as np
import pandas as pd

from synth.feeds.base import FeedDef, FileJob, frame, ids, in_chunks, monthly
from synth.feeds.caseload import Service, contacts_in, draw_caseload
from synth.feeds.mh_spells import FOLLOW_UP_TEAM, follow_ups_in

IMD_RATE_RATIO = np.array([np.nan, 1.6, 1.35, 1.15, 1.05, 1.0])
SMI_RATE_RATIO = 8.0
RATE_SCALE, CONTACT_SCALE = 1.5, 1.75  # calibrate to ~370,000 contacts a year for 800,000 people
SERVICES = [
    Service("A05", 0.022 * RATE_SCALE, ((16, 64, 1.0), (65, 120, 0.5)), 6.0 * CONTACT_SCALE, 28.0, 10.0),
    Service("A06", 0.005 * RATE_SCALE, ((18, 64, 1.0),), 10.0 * CONTACT_SCALE, 21.0, 14.0),
    Service("A09", 0.006 * RATE_SCALE, ((65, 79, 1.0), (80, 120, 2.0)), 8.0 * CONTACT_SCALE, 21.0, 21.0),
    Service("A02", 0.003 * RATE_SCALE, ((16, 120, 1.0),), 6.0 * CONTACT_SCALE, 0.2, 2.0),
    Service("A08", 0.0006 * RATE_SCALE, ((14, 35, 1.0),), 14.0 * CONTACT_SCALE, 14.0, 10.0),
    Service("C02", 0.0008 * RATE_SCALE, ((12, 30, 1.0),), 10.0 * CONTACT_SCALE, 28.0, 10.0),
    Service("C03", 0.002 * RATE_SCALE, ((18, 44, 1.0),), 8.0 * CONTACT_SCALE, 14.0, 14.0),
    Service("E01", 0.02 * RATE_SCALE, ((5, 17, 1.0),), 6.0 * CONTACT_SCALE, 42.0, 14.0),
]
REASONS = [["04", "05"], ["04", "12", "10", "17"], ["01", "04"], ["17", "10", "04"], ["08"], ["13"], ["20"],
           ["05", "25", "17", "04"]]
TEAM_CODES = np.array([s.code for s in SERVICES], dtype=object)
SOURCES = np.array(["A1", "B1", "B2", "H1", "P1", "E1"], dtype=object)
REFERRAL_COLUMNS = ["referral_id", "nhs_number", "date_of_birth", "sex", "ethnic_category", "lsoa_code",
                    "gp_practice_code", "referral_received_date", "service_team_type", "source_of_referral",
                    "primary_reason_for_referral", "clinical_priority"]
CONTACT_COLUMNS = ["contact_id", "referral_id", "nhs_number", "date_of_birth", "sex", "ethnic_category",
                   "lsoa_code", "gp_practice_code", "service_team_type", "contact_datetime", "consultation_medium",
                   "attendance_status", "duration_minutes"]


def _draw(ctx):
    pop = ctx.pop
    factor = IMD_RATE_RATIO[pop.quintile] * np.where(pop.smi, SMI_RATE_RATIO, 1.0)
    return lambda m: draw_caseload(ctx, "mhsds", m, SERVICES, factor)


def _referral_ids(label: str, seq: np.ndarray) -> np.ndarray:
    return ids(np.strings.add("R1AM", np.asarray(label, dtype="U4")), seq, 7)


def build_referrals(ctx, job: FileJob) -> pd.DataFrame:
    refs, _ = _draw(ctx)(job.month)
    rng = ctx.rng("mhsds-referrals", job.month)
    n = len(refs)
    svc = refs["service"].to_numpy()
    reason = np.empty(n, dtype=object)
    for k, options in enumerate(REASONS):
        rows = np.flatnonzero(svc == k)
        reason[rows] = np.array(options, dtype=object)[rng.integers(0, len(options), len(rows))]
    source = SOURCES[rng.choice(len(SOURCES), n, p=[0.55, 0.15, 0.03, 0.1, 0.12, 0.05])]
    source = np.where(svc == 3, np.where(rng.random(n) < 0.5, "H1", source), source)
    cols = ctx.pop.person_columns(refs["person"].to_numpy())
    cols.update({
        "referral_id": _referral_ids(job.month.label.replace("-", "")[2:], refs["seq"].to_numpy()),
        "referral_received_date": refs["received"].to_numpy().astype("datetime64[D]"),
        "service_team_type": TEAM_CODES[svc],
        "source_of_referral": source.astype(object),
        "primary_reason_for_referral": reason,
        "clinical_priority": np.where(svc == 3, "1", np.where(rng.random(n) < 0.15, "2", "3")).astype(object),
    })
    return frame(cols, REFERRAL_COLUMNS)


def build_contacts(ctx, job: FileJob) -> Iterator[pd.DataFrame]:
    c = contacts_in(ctx, "mhsds", job.month, _draw(ctx))
    rng = ctx.rng("mhsds-contacts", job.month)
    n = len(c)
    u = rng.random(n)
    medium = np.where(u < 0.7, "01", np.where(u < 0.9, "02", "03")).astype(object)
    status = np.where(rng.random(n) < 0.09, "3", "5").astype(object)
    duration = np.clip(np.round(rng.gamma(4.0, 12.0, n)), 10, 180).astype(np.int64)
    label = job.month.label.replace("-", "")[2:]

    def render(s: slice) -> pd.DataFrame:
        cols = ctx.pop.person_columns(c["person"].to_numpy()[s])
        cols.update({
            "contact_id": ids(f"R1AH{label}", np.arange(s.start + 1, s.stop + 1), 7),
            "referral_id": ids(np.strings.add("R1AM", c["ref_label"].to_numpy()[s].astype("U4")),
                               c["ref_seq"].to_numpy()[s], 7),
            "service_team_type": TEAM_CODES[c["service"].to_numpy()[s]],
            "contact_datetime": c["when"].to_numpy()[s],
            "consultation_medium": medium[s],
            "attendance_status": status[s],
            "duration_minutes": duration[s],
        })
        return frame(cols, CONTACT_COLUMNS)

    return chain(in_chunks(n, render), [_follow_up_contacts(ctx, job, n)])


def _follow_up_contacts(ctx, job: FileJob, numbered: int) -> pd.DataFrame:
    """The month's follow-up contacts after mental health ward discharges, numbered after the caseload's
    ``numbered`` contacts; each on the referral of its hospital spell (R1AQ + the spell's number)."""
    f = follow_ups_in(ctx, job.month)
    rng = ctx.rng("mhsds-follow-ups", job.month)
    n = len(f)
    label = job.month.label.replace("-", "")[2:]
    cols = ctx.pop.person_columns(f["person"].to_numpy())
    cols.update({
        "contact_id": ids(f"R1AH{label}", np.arange(numbered + 1, numbered + n + 1), 7),
        "referral_id": ("R1AQ" + f["spell_id"].str[4:]).to_numpy(dtype=object),
        "service_team_type": np.full(n, FOLLOW_UP_TEAM, dtype=object),
        "contact_datetime": f["follow_up"].to_numpy(),
        "consultation_medium": np.where(rng.random(n) < 0.8, "01", "02").astype(object),
        "attendance_status": np.where(f["follow_up_dna"].to_numpy(), "3", "5").astype(object),
        "duration_minutes": np.clip(np.round(rng.gamma(4.0, 12.0, n)), 10, 180).astype(np.int64),
    })
    return frame(cols, CONTACT_COLUMNS)


FEEDS = [
    FeedDef("r1a_mh_referrals", monthly("R1A_MHSDS_REF_{yyyymm}.csv"), build_referrals),
    FeedDef("r1a_mh_contacts", monthly("R1A_MHSDS_CON_{yyyymm}.csv"), build_contacts),
]
