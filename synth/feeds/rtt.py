"""Weekly referral-to-treatment (RTT) waiting-list snapshots for RWP and RLQ: one file per Sunday census.

Pathways (clock start to clock stop) are drawn once for the whole window plus three years of backlog; a
snapshot lists the pathways open on its date. Waits are log-normal (median 12 weeks, about 5% over 52 weeks);
Herefordshire (RLQ) waits are 15% longer.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from synth.calendar import Month
from synth.feeds.base import FeedDef, FileJob, frame, ids, in_chunks, pick
from synth.feeds.ecds import SITES
from synth.feeds.outpatients import SPECIALTIES

REFERRAL_RATE = 0.16  # new RTT pathways per person-year
MEDIAN_WAIT_DAYS = 84.0
SIGMA = 0.9
BACKLOG_YEARS = 3
MAX_WAIT_DAYS = 730  # nobody waits beyond two years (the 104-week standard)
COLUMNS = ["snapshot_date", "pathway_id", "nhs_number", "date_of_birth", "sex", "lsoa_code", "gp_practice_code",
           "site_code", "treatment_function_code", "priority_type", "clock_start_date", "weeks_waited"]


def pathways(ctx) -> pd.DataFrame:
    def build() -> pd.DataFrame:
        rng = ctx.rng("rtt-pathways")
        pop = ctx.pop
        first = ctx.months[0].start - np.timedelta64(365 * BACKLOG_YEARS, "D")
        last = ctx.months[-1].end
        span = int((last - first).astype(int))
        person = np.repeat(np.arange(pop.n), rng.poisson(REFERRAL_RATE * span / 365.25, pop.n))
        n = len(person)
        start = first + rng.integers(0, span, n).astype("timedelta64[D]")
        herefordshire = pop.place[person] == 0
        median = MEDIAN_WAIT_DAYS * np.where(herefordshire, 1.15, 1.0)
        wait = np.ceil(np.exp(np.log(median) + SIGMA * rng.standard_normal(n))).astype(np.int64)
        wait = np.minimum(wait, MAX_WAIT_DAYS)
        site = np.where(herefordshire, 3, rng.choice(3, n, p=[0.55, 0.3, 0.15]))
        order = np.argsort(start, kind="stable")
        return pd.DataFrame({
            "person": person.astype(np.int32), "site": site.astype(np.int8), "start": start,
            "stop": start + wait.astype("timedelta64[D]"), "specialty": pick(SPECIALTIES, n, rng),
            "priority": pick({"1": 0.85, "2": 0.15}, n, rng), "seq": np.arange(n),
        }).iloc[order].reset_index(drop=True)

    return ctx.persistent("rtt", build)


def sundays(month: Month) -> np.ndarray:
    days = month.start + np.arange(month.days)
    return days[(days.view("int64") - 4) % 7 == 6]


def _files(trust: str, pattern: str):
    def files(month: Month) -> list[FileJob]:
        out = []
        for day in sundays(month):
            label = str(day)
            out.append(FileJob(pattern.format(date=label, yyyymmdd=label.replace("-", "")), month,
                               day - np.timedelta64(6, "D"), day + np.timedelta64(1, "D"), key=label))
        return out

    return files


def _build(trust: str):
    def build(ctx, job: FileJob) -> Iterator[pd.DataFrame]:
        pw = pathways(ctx)
        census = np.datetime64(job.key, "D")
        open_ = (pw["start"].to_numpy() <= census) & (pw["stop"].to_numpy() > census)
        open_ &= np.char.startswith(SITES[pw["site"].to_numpy()].astype(str), trust)
        pw = pw[open_]

        def render(s: slice) -> pd.DataFrame:
            part = pw.iloc[s]
            start = part["start"].to_numpy().astype("datetime64[D]")
            cols = ctx.pop.person_columns(part["person"].to_numpy())
            cols.update({
                "snapshot_date": np.full(len(part), census),
                "pathway_id": ids(f"{trust}P", part["seq"].to_numpy(), 9),
                "site_code": SITES[part["site"].to_numpy()],
                "treatment_function_code": part["specialty"].to_numpy(dtype=object),
                "priority_type": part["priority"].to_numpy(dtype=object),
                "clock_start_date": start,
                "weeks_waited": ((census - start).astype(np.int64) // 7),
            })
            return frame(cols, COLUMNS)

        return in_chunks(len(pw), render)

    return build


FEEDS = [
    FeedDef("rwp_rtt", _files("RWP", "RWP_RTT_{date}.csv"), _build("RWP")),
    FeedDef("rlq_rtt", _files("RLQ", "WVT_RTT_{yyyymmdd}.csv"), _build("RLQ")),
]
