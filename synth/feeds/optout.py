"""The national data opt-out list (organisation code NDOP): the NHS Numbers of registered people who have opted
out, as at the end of each month. About 5% of people, a few more each month; the list only grows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.feeds.base import FeedDef, FileJob, frame, monthly

OPT_OUT_SHARE = 0.05
NEW_PER_MONTH = 0.0004  # of the population
COLUMNS = ["list_date", "nhs_number"]


def _opt_out_dates(ctx) -> np.ndarray:
    def build():
        pop = ctx.pop
        rng = ctx.rng("optout")
        before = rng.random(pop.n) < OPT_OUT_SHARE
        during = ~before & (rng.random(pop.n) < NEW_PER_MONTH * len(ctx.months))
        span = int((ctx.months[-1].end - ctx.months[0].start).astype(int))
        when = np.full(pop.n, np.datetime64("NaT"), dtype="datetime64[D]")
        when[before] = ctx.months[0].start - np.timedelta64(1, "D")
        when[during] = ctx.months[0].start + rng.integers(0, span, int(during.sum())).astype("timedelta64[D]")
        return when

    return ctx.persistent("optout", build)


def build(ctx, job: FileJob) -> pd.DataFrame:
    when = _opt_out_dates(ctx)
    as_at = job.period_end - np.timedelta64(1, "D")
    idx = np.flatnonzero(~np.isnat(when) & (when <= as_at))
    nhs = np.sort(ctx.pop.nhs[idx])
    return frame({"list_date": np.full(len(idx), as_at), "nhs_number": nhs.astype("U10")}, COLUMNS)


FEEDS = [FeedDef("ndop_optouts", monthly("NDOP_OPTOUTS_{yyyymm}.csv"), build)]
