"""Let a burst of deliveries settle before a build plans: wait while ingest runs are still working through files
they claimed from landing, so one build covers the whole burst.

When twenty files land at once, the first file's raw event starts a build within a second while the other
nineteen are still being ingested; that build then competes with them for the cores and a second build has to
follow it (bench/results/latency.md). Waiting, before the plan, until the inbox holds no claimed file (ingest.claim:
a file leaves it for the archive whatever its outcome) lets one build cover them all. A single file costs nothing:
its own ingest has archived it before its raw event is emitted. The wait is bounded: it ends when the inbox has
not changed for ``stall_seconds`` (a run that is retrying a file, or a claim a killed run left for the next claim)
and after ``max_seconds`` in all, so a slow or stuck ingest never holds the warehouse for long.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from config.settings import Settings
from ingest.claim import files_in_flight

MAX_SECONDS = 30.0
STALL_SECONDS = 10.0
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Settled:
    waited_s: float
    left: dict[str, int]  # files still claimed when the wait ended (empty: the burst settled)

    def describe(self) -> str:
        if not self.waited_s and not self.left:
            return "no claimed file was waiting to be ingested"
        if not self.left:
            return f"waited {self.waited_s:.1f} s for the files being ingested: none is left"
        return (f"waited {self.waited_s:.1f} s for the files being ingested; building without the {_listed(self.left)} "
                "file(s) still claimed (a later build covers them)")


def _listed(counts: dict[str, int]) -> str:
    return ", ".join(f"{feed} {n}" for feed, n in sorted(counts.items()))


def wait_for_ingests(settings: Settings, *, max_seconds: float = MAX_SECONDS, stall_seconds: float = STALL_SECONDS,
                     poll_seconds: float = POLL_SECONDS, clock: Callable[[], float] = time.monotonic,
                     sleep: Callable[[float], None] = time.sleep,
                     progress: Callable[[str], None] = print) -> Settled:
    """Until no file claimed from landing is waiting to be ingested, the inbox has not changed for
    ``stall_seconds``, or ``max_seconds`` have passed; says what it waits for when it starts."""
    start = changed = clock()
    left = files_in_flight(settings)
    if not left:
        return Settled(0.0, {})
    progress(f"waiting for {sum(left.values())} claimed file(s) to be ingested "
             f"({_listed(left)}) so that one build covers them")
    while left and clock() - start < max_seconds and clock() - changed < stall_seconds:
        sleep(poll_seconds)
        now = files_in_flight(settings)
        if now != left:
            left, changed = now, clock()
    return Settled(round(clock() - start, 2), left)
