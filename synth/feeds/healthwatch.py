"""Patient feedback collected by Healthwatch Herefordshire and Healthwatch Worcestershire: no personal
identifier columns; organisation, service, date, rating, sentiment, theme and a free-text comment (with pound signs
and accented names, as real comments have). Some comments get an identifier typed into them, by the row defect
``identifier_in_free_text`` (synth.defects), because the contract declares the comment ``free_text: redact``.

Built-in effect: emergency department feedback is rated lower (mean about 2.9 of 5) than other services (3.7);
"waiting times" comments are mostly negative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.calendar import sample_days
from synth.feeds.base import FeedDef, FileJob, frame, ids, monthly, pick
from synth.geography import PLACES

PER_10K_PER_MONTH = 6.0  # feedback items per 10,000 residents a month
SERVICES = {"ED": 0.16, "IP": 0.12, "OP": 0.14, "GP": 0.30, "COM": 0.08, "MH": 0.08, "SC": 0.06, "DEN": 0.06}
THEMES = ["access", "waiting_times", "staff_attitude", "communication", "treatment_and_care", "cost",
          "facilities"]
ORGS = {0: {"ED": ["RLQ"], "IP": ["RLQ"], "OP": ["RLQ"], "COM": ["R1A"], "MH": ["R1A"], "SC": ["E06000019"]},
        1: {"ED": ["RWP"], "IP": ["RWP"], "OP": ["RWP"], "COM": ["R1A"], "MH": ["R1A"], "SC": ["E10000034"]}}
DENTISTS = ["V00001", "V00002", "V00003"]
COMMENTS = {
    "positive": ["Staff nurse Zoë was kind and explained everything.", "Dr Núñez listened and sorted it quickly.",
                 "Seen on time, the café volunteers were lovely.", "Excellent care from the team on the ward."],
    "negative": ["Waited five hours to be seen.", "Paid £4.50 to park and still missed my slot.",
                 "Nobody called back about my referral.", "Could not get a GP appointment for three weeks."],
    "mixed": ["Good treatment but the wait was too long.", "René at reception was helpful, the phone line was not.",
              "Care was fine; the £12 taxi home was not."],
    "neutral": ["Asked how to register with a dentist.", "Wanted information about the opt-out."],
}
COLUMNS = ["feedback_id", "received_date", "organisation_code", "service_type", "theme", "rating", "sentiment",
           "channel", "comment"]


def _build(place: int, prefix: str):
    def build(ctx, job: FileJob) -> pd.DataFrame:
        rng = ctx.rng(f"healthwatch-{place}", job.month)
        pop = ctx.pop
        residents = int((pop.place == place).sum())
        n = int(rng.poisson(residents / 10_000 * PER_10K_PER_MONTH * job.month.days / 30.4))
        service = pick(SERVICES, n, rng)
        org = np.empty(n, dtype=object)
        for s in SERVICES:
            rows = np.flatnonzero(service == s)
            if s == "GP":
                table = pop.practices.table
                options = table.loc[table["place"] == PLACES[place], "code"].to_numpy(dtype=object)
            elif s == "DEN":
                options = np.array(DENTISTS, dtype=object)
            else:
                options = np.array(ORGS[place][s], dtype=object)
            org[rows] = options[rng.integers(0, len(options), len(rows))]
        mean = np.where(service == "ED", 2.9, 3.7)
        rating = np.clip(np.round(mean + 1.1 * rng.standard_normal(n)), 1, 5).astype(np.int64)
        theme = np.array(THEMES, dtype=object)[rng.integers(0, len(THEMES), n)]
        sentiment = np.where(rating >= 4, "positive", np.where(rating <= 2, "negative", "mixed")).astype(object)
        sentiment = np.where((theme == "waiting_times") & (rng.random(n) < 0.6), "negative", sentiment)
        sentiment = np.where(rng.random(n) < 0.05, "neutral", sentiment)
        comment = np.empty(n, dtype=object)
        for s, texts in COMMENTS.items():
            rows = np.flatnonzero(sentiment == s)
            comment[rows] = np.array(texts, dtype=object)[rng.integers(0, len(texts), len(rows))]
        rating_out = pd.array(rating, dtype="Int64")
        rating_out[rng.random(n) < 0.1] = pd.NA  # not every comment comes with a rating
        days = np.sort(sample_days(job.month, n, rng, np.array([1, 1, 1, 1, 1, 0.4, 0.3])))
        return frame({
            "feedback_id": ids(f"{prefix}{job.month.label.replace('-', '')[2:]}", np.arange(1, n + 1), 5),
            "received_date": days, "organisation_code": org, "service_type": service, "theme": theme,
            "rating": rating_out, "sentiment": sentiment,
            "channel": pick({"online": 0.5, "phone": 0.2, "event": 0.2, "email": 0.1}, n, rng),
            "comment": comment,
        }, COLUMNS)

    return build


FEEDS = [
    FeedDef("hwherefs_feedback", monthly("HWH_Feedback_{ym}.csv"), _build(0, "HWH")),
    FeedDef("hwworcs_feedback", monthly("HWW_FEEDBACK_{yyyymm}.csv"), _build(1, "HWW")),
]
