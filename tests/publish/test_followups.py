"""A publish run's deliveries and report are left to the next run only when a newer build's marts event follows
the run's own, they completed recently, and the run was triggered by events (publish/followups.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from publish.followups import (
    MAX_STALE,
    held_since,
    last_completed,
    record_completed,
    record_held,
    superseded,
    superseded_by_events,
)

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
MARTS = "marts"


def test_a_run_started_by_hand_never_leaves_its_followups(settings):
    """GIVEN a marts event newer than anything WHEN a run with no triggering event asks THEN it runs."""
    assert superseded(settings, "build_report", [], T0 + timedelta(minutes=1), now=T0 + timedelta(minutes=1)) is None


def test_the_run_of_the_newest_event_runs_its_followups(settings):
    mine = [T0 + timedelta(seconds=5), T0 + timedelta(seconds=9)]  # two events merged into one run
    assert superseded(settings, "deliver_to_partners", mine, T0 + timedelta(seconds=9),
                      now=T0 + timedelta(seconds=20)) is None


def test_a_run_followed_by_a_newer_build_leaves_its_followups_to_it(settings):
    """GIVEN a follow-up never held back WHEN a run whose newest triggering event is older than the asset's newest
    asks THEN it is superseded, and the reason names both events."""
    reason = superseded(settings, "build_report", [T0 + timedelta(seconds=1)], T0 + timedelta(seconds=12),
                        now=T0 + timedelta(seconds=30))
    assert reason is not None
    assert "superseded" in reason and (T0 + timedelta(seconds=12)).isoformat() in reason
    assert (T0 + timedelta(seconds=1)).isoformat() in reason


def test_a_followup_is_never_held_back_longer_than_max_stale(settings):
    """GIVEN a follow-up first left to a newer run at T0 WHEN runs keep being superseded THEN they skip until
    MAX_STALE has passed since T0, and the next one runs: a stream of builds that never pauses cannot hold the
    deliveries back. Completing stops the clock; the next skip starts a new one."""
    follow = "deliver_to_partners"
    record_held(settings, follow, T0)
    record_held(settings, follow, T0 + timedelta(minutes=5))  # a clock already running is not restarted
    assert held_since(settings, follow) == T0
    newer, mine = T0 + MAX_STALE, [T0]
    assert superseded(settings, follow, mine, newer + timedelta(hours=1), now=T0 + MAX_STALE) is not None
    assert superseded(settings, follow, mine, newer + timedelta(hours=1),
                      now=T0 + MAX_STALE + timedelta(seconds=1)) is None
    record_completed(settings, follow, T0 + MAX_STALE + timedelta(seconds=9))
    assert held_since(settings, follow) is None
    assert last_completed(settings, follow) == T0 + MAX_STALE + timedelta(seconds=9)


def test_each_followup_is_recorded_on_its_own(settings):
    record_completed(settings, "build_report", T0)
    record_held(settings, "deliver_to_partners", T0 + timedelta(seconds=3))
    assert last_completed(settings, "build_report") == T0
    assert held_since(settings, "build_report") is None
    assert held_since(settings, "deliver_to_partners") == T0 + timedelta(seconds=3)
    assert last_completed(settings, "deliver_to_partners") is None


@pytest.mark.parametrize("content", ["", "{\"build_report.held_since\": \"2026-1", "[1, 2]",
                                     "{\"build_report.held_since\": 7}"])
def test_a_record_a_killed_run_left_half_written_reads_as_empty(settings, content):
    """GIVEN the record emptied, cut or wrong WHEN asked THEN no clock is running (a superseded run skips and starts
    one), and the next write leaves a whole record again."""
    path = settings.publications_dir / "_followups.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    assert held_since(settings, "build_report") is None
    record_held(settings, "build_report", T0)
    assert held_since(settings, "build_report") == T0
    record_completed(settings, "build_report", T0)
    assert last_completed(settings, "build_report") == T0


@dataclass
class Event:
    timestamp: datetime


class Accessor:
    """The slice of Airflow's inlet event accessor the follow-ups use: newest first, one event."""

    def __init__(self, events: list[Event]):
        self.events, self.calls = events, []

    def ascending(self, ascending: bool = True) -> Accessor:
        self.calls.append(("ascending", ascending))
        return self

    def limit(self, n: int) -> Accessor:
        self.calls.append(("limit", n))
        return self

    def __iter__(self):
        ordered = sorted(self.events, key=lambda e: e.timestamp, reverse=("ascending", False) in self.calls)
        limit = next((n for name, n in self.calls if name == "limit"), None)
        return iter(ordered[:limit])


def test_from_a_tasks_context_the_newest_event_is_asked_for_once(settings):
    """GIVEN the asset's events (read newest first, one) and the run's triggering events WHEN the task asks
    THEN a run behind the newest event is superseded and starts the clock, the newest run is not, and a manual
    run reads nothing."""
    events = [Event(T0 + timedelta(seconds=s)) for s in (1, 12, 5)]
    accessor = Accessor(events)
    now = T0 + timedelta(seconds=30)
    behind = superseded_by_events(settings, "build_report", MARTS, {MARTS: [events[0]]}, {MARTS: accessor}, now)
    assert behind is not None and (T0 + timedelta(seconds=12)).isoformat() in behind
    assert accessor.calls == [("ascending", False), ("limit", 1)]
    assert held_since(settings, "build_report") == now
    newest = superseded_by_events(settings, "build_report", MARTS, {MARTS: [events[1]]}, {MARTS: Accessor(events)},
                                  now)
    assert newest is None
    untouched = Accessor(events)
    assert superseded_by_events(settings, "build_report", MARTS, None, {MARTS: untouched}, now) is None
    assert untouched.calls == []


def test_a_newer_event_from_before_the_run_started_has_no_run_to_come_so_the_run_does_the_work(settings):
    """GIVEN a run triggered by the event at T0+1s that started at T0+20s (it waited for a slot: the DAG was at its
    active-run limit) WHEN the asset's newest event is at T0+12s THEN it must run: that event joined the queue row
    this run's creation deleted, so Airflow makes no run for it (seen in `make demo`); a newest event after the
    run's start has a run to come, and is left to it."""
    mine, started = [T0 + timedelta(seconds=1)], T0 + timedelta(seconds=20)
    now = T0 + timedelta(seconds=30)
    assert superseded(settings, "build_report", mine, T0 + timedelta(seconds=12), now, run_started_at=started) is None
    assert superseded(settings, "build_report", mine, T0 + timedelta(seconds=21), now,
                      run_started_at=started) is not None


@dataclass
class Run:
    start_date: datetime


def test_from_a_tasks_context_the_runs_start_is_taken_into_account(settings):
    """GIVEN a run started after the asset's newest event WHEN the task asks with its dag_run THEN it runs, and no
    clock starts; the same run without its start (as before Airflow gave it) would have been superseded."""
    events = [Event(T0 + timedelta(seconds=s)) for s in (1, 12)]
    now = T0 + timedelta(seconds=30)
    started = Run(start_date=T0 + timedelta(seconds=20))
    assert superseded_by_events(settings, "deliver_to_partners", MARTS, {MARTS: [events[0]]},
                                {MARTS: Accessor(events)}, now, dag_run=started) is None
    assert held_since(settings, "deliver_to_partners") is None
    assert superseded_by_events(settings, "deliver_to_partners", MARTS, {MARTS: [events[0]]},
                                {MARTS: Accessor(events)}, now) is not None
