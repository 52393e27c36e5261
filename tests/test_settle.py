"""outcomes.settle: a build waits while ingest runs work through the files they claimed, so that one build
covers a burst; never long, and not at all for a file already ingested."""

from __future__ import annotations

from ingest.claim import claim_files, files_in_flight
from ingest.load import ingest_file
from outcomes.settle import wait_for_ingests
from tests.ingest.test_claim import FEED, deliver


class Clock:
    """A clock that moves only when the wait sleeps, and runs ``on_sleep`` (an ingest finishing) at each sleep."""

    def __init__(self, on_sleep=lambda now: None):
        self.now, self.on_sleep = 0.0, on_sleep

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.on_sleep(self.now)


def claimed(settings, months: list[str], sidecars: tuple[str, ...] = ()) -> list[str]:
    for i, month in enumerate(months):
        deliver(settings, month, first=10 * i)
        if month in sidecars:
            (settings.landing_dir / "RWP" / "ecds" / f"RWP_ECDS_{month}.csv.manifest.json").write_text("{}")
    return claim_files(FEED, settings)


def test_files_in_flight_counts_claimed_deliveries_not_their_sidecars_and_none_once_ingested(settings):
    """GIVEN three ECDS files claimed from landing, two with a sidecar
    WHEN the one without is ingested
    THEN three, then two, files of rwp_ecds are in flight (sidecars, locks and other folders are not counted)."""
    paths = claimed(settings, ["2025-01", "2025-02", "2025-03"], sidecars=("2025-02", "2025-03"))
    (settings.inbox_dir / "not_a_feed" / "x").mkdir(parents=True)
    (settings.inbox_dir / "not_a_feed" / "x" / "file.csv").write_text("a")
    assert len(list(settings.inbox_dir.rglob("*.manifest.json"))) == 2
    assert files_in_flight(settings) == {FEED: 3}
    ingest_file(paths[0], feed_id=FEED, settings=settings)
    assert files_in_flight(settings) == {FEED: 2}


def test_a_build_waits_for_a_burst_being_ingested_and_not_at_all_after_a_single_file(settings):
    """GIVEN three claimed files, one ingested at each second of the wait
    WHEN the build waits for ingests
    THEN it waits until the third is ingested (3 s) and says so; a second wait, with nothing claimed, takes no time
    and sleeps not once."""
    paths = iter(claimed(settings, ["2025-01", "2025-02", "2025-03"]))

    def ingest_each_second(now: float) -> None:
        if abs(now - round(now)) < 1e-9:
            ingest_file(next(paths), feed_id=FEED, settings=settings)

    clock, said = Clock(ingest_each_second), []
    settled = wait_for_ingests(settings, clock=clock, sleep=clock.sleep, poll_seconds=0.5, progress=said.append)
    assert (settled.waited_s, settled.left) == (3.0, {})
    assert said == ["waiting for 3 claimed file(s) to be ingested (rwp_ecds 3) so that one build covers them"]
    assert "none is left" in settled.describe()

    idle = Clock()
    idle.sleep = lambda seconds: (_ for _ in ()).throw(AssertionError("slept with nothing in flight"))
    assert wait_for_ingests(settings, clock=idle, sleep=idle.sleep).waited_s == 0.0


def test_the_wait_ends_when_the_inbox_stalls_or_at_its_limit(settings):
    """GIVEN two claimed files that nobody ingests (a killed run's claim), then two ingested one every 4 s
    WHEN the build waits (stall 3 s, at most 6 s)
    THEN the first wait ends after the 3 s stall, the second at the 6 s limit, each naming the files left."""
    claimed(settings, ["2025-01", "2025-02"])
    clock = Clock()
    stalled = wait_for_ingests(settings, clock=clock, sleep=clock.sleep, stall_seconds=3, max_seconds=6,
                               poll_seconds=1, progress=lambda _: None)
    assert (stalled.waited_s, stalled.left) == (3.0, {FEED: 2})
    assert "building without the rwp_ecds 2 file(s) still claimed" in stalled.describe()

    paths = iter(sorted(p for p in settings.inbox_dir.rglob("RWP_ECDS_*.csv")))
    slow = Clock(lambda now: now % 4 == 0 and ingest_file(next(paths), feed_id=FEED, settings=settings))
    limited = wait_for_ingests(settings, clock=slow, sleep=slow.sleep, stall_seconds=5, max_seconds=6,
                               poll_seconds=1, progress=lambda _: None)
    assert (limited.waited_s, limited.left) == (6.0, {FEED: 1})
