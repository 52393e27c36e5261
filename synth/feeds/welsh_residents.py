"""Wye Valley's feeds carry its Welsh patients too: each file's rows are built for the registered population and
again, by the same builder, for the Welsh border population (synth.border), then merged in time order.

Because the same builder runs on the border population's own context, its rows link across Wye Valley's feeds
exactly as the registered population's do (an emergency admission is an ECDS attendance of the same person that
ended in admission; an RTT pathway keeps its id from week to week). Their record identifiers are numbered in a
series of their own, the same identifier followed by ``W``, so a file never repeats one.
"""

from __future__ import annotations

import pandas as pd

from synth.border import SERVING_TRUST
from synth.feeds.base import FeedDef, FileJob

ID_SUFFIX = "W"


def serves_wales(feed_id: str) -> bool:
    return feed_id.startswith(f"{SERVING_TRUST.lower()}_")


def _whole(built) -> pd.DataFrame:
    """A builder's rows as one frame (builders may yield chunks; Wye Valley's files are small)."""
    return built if isinstance(built, pd.DataFrame) else pd.concat(list(built), ignore_index=True)


def with_welsh_residents(feed: FeedDef) -> FeedDef:
    """The feed, with the border population's rows added to every file when the run has one."""

    def build(ctx, job: FileJob) -> pd.DataFrame:
        registered = feed.build(ctx, job)
        if ctx.border is None:
            return registered
        contract = ctx.contracts[feed.feed_id]
        welsh = _whole(feed.build(ctx.border, job))
        for column in contract.primary_key:  # the record identifiers (a snapshot date is not one)
            if contract.column(column).type == "varchar":
                welsh[column] = welsh[column].astype(str) + ID_SUFFIX
        rows = pd.concat([_whole(registered), welsh], ignore_index=True)
        return rows.sort_values(contract.period.column, kind="stable", ignore_index=True)

    return FeedDef(feed.feed_id, feed.files, build)
