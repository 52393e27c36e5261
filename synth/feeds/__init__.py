"""Every feed the generator can write, by feed id (``<org>_<feed>`` of its contract)."""

from __future__ import annotations

from synth.feeds import (
    acute,
    community,
    councils,
    healthwatch,
    icb,
    mental_health,
    mh_spells,
    optout,
    outpatients,
    rtt,
    urgent_r1a,
)
from synth.feeds.base import FeedDef, FileJob
from synth.feeds.welsh_residents import serves_wales, with_welsh_residents

_MODULES = [acute, outpatients, rtt, community, mental_health, mh_spells, urgent_r1a, icb, councils, healthwatch,
            optout]


def registry() -> dict[str, FeedDef]:
    """Every feed by id; Wye Valley's also carry the Welsh border population (synth.feeds.welsh_residents)."""
    return {f.feed_id: with_welsh_residents(f) if serves_wales(f.feed_id) else f for m in _MODULES for f in m.FEEDS}


__all__ = ["FeedDef", "FileJob", "registry"]
