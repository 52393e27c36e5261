"""Every feed the generator can write, by feed id (``<org>_<feed>`` of its contract)."""

from __future__ import annotations

from synth.feeds import (
    acute,
    community,
    councils,
    healthwatch,
    icb,
    mental_health,
    optout,
    outpatients,
    rtt,
    urgent_r1a,
)
from synth.feeds.base import FeedDef, FileJob

_MODULES = [acute, outpatients, rtt, community, mental_health, urgent_r1a, icb, councils, healthwatch,
            optout]


def registry() -> dict[str, FeedDef]:
    return {f.feed_id: f for m in _MODULES for f in m.FEEDS}


__all__ = ["FeedDef", "FileJob", "registry"]
