"""A publish run's deliveries and report are left to the next run only when a newer build's marts event follows
the run's own, they completed recently, and the run was triggered by events (publish/followups.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from publish.followups import (
    MAX_STALE,
    last_completed,
    record_completed,
    superseded,
    superseded_by_events,
)

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
MARTS = "marts"


def test_a_run_started_by_hand_never_leaves_its_followups(settings):
    """GIVEN a follow-up completed a minute ago and a marts event newer than anything WHEN a run with no
    triggering event asks THEN it runs."""
    record_completed(settings, "build_report", T0)
    assert superseded(settings, "build_report", [], T0 + timedelta(minutes=1), now=T0 + timedelta(minutes=1)) is None


def test_the_run_of_the_newest_event_runs_its_followups(settings):
    record_completed(settings, "deliver_to_partners", T0)
    mine = [T0 + timedelta(seconds=5), T0 + timedelta(seconds=9)]  # two events merged into one run
    assert superseded(settings, "deliver_to_partners", mine, T0 + timedelta(seconds=9),
                      now=T0 + timedelta(seconds=20)) is None


def test_a_run_followed_by_a_newer_build_leaves_its_followups_to_it(settings):
    """GIVEN the report completed 30 s ago WHEN a run whose newest triggering event is older than the asset's newest
    asks THEN it is superseded, and the reason names both events."""
    record_completed(settings, "build_report", T0)
    reason = superseded(settings, "build_report", [T0 + timedelta(seconds=1)], T0 + timedelta(seconds=12),
                        now=T0 + timedelta(seconds=30))
    assert reason is not None
    assert "superseded" in reason and (T0 + timedelta(seconds=12)).isoformat() in reason
    assert (T0 + timedelta(seconds=1)).isoformat() in reason


def test_a_followup_never_completed_or_stale_runs_even_when_superseded(settings):
    """GIVEN a newer marts event WHEN the follow-up never completed, or completed longer than MAX_STALE ago THEN
    it runs: a stream of builds that never pauses cannot hold the deliveries back."""
    newer = T0 + timedelta(seconds=12)
    assert superseded(settings, "deliver_to_partners", [T0], newer, now=T0 + timedelta(seconds=30)) is None
    record_completed(settings, "deliver_to_partners", T0)
    late = T0 + MAX_STALE + timedelta(seconds=1)
    assert superseded(settings, "deliver_to_partners", [T0], newer, now=late) is None
    assert superseded(settings, "deliver_to_partners", [T0], newer, now=T0 + MAX_STALE) is not None


def test_each_followup_is_recorded_on_its_own(settings):
    record_completed(settings, "build_report", T0)
    record_completed(settings, "deliver_to_partners", T0 + timedelta(seconds=3))
    assert last_completed(settings, "build_report") == T0
    assert last_completed(settings, "deliver_to_partners") == T0 + timedelta(seconds=3)


@pytest.mark.parametrize("content", ["", "{\"build_report\": \"2026-1", "[1, 2]", "{\"build_report\": 7}"])
def test_a_record_a_killed_run_left_half_written_means_run(settings, content):
    """GIVEN the record of completions emptied, cut or wrong WHEN asked THEN the follow-up runs, and the next
    completion writes a whole record again."""
    path = settings.publications_dir / "_followups.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    assert superseded(settings, "build_report", [T0], T0 + timedelta(seconds=5), now=T0 + timedelta(seconds=6)) is None
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
    THEN a run behind the newest event is superseded, the newest run is not, and a manual run reads nothing."""
    record_completed(settings, "build_report", T0)
    events = [Event(T0 + timedelta(seconds=s)) for s in (1, 12, 5)]
    accessor = Accessor(events)
    now = T0 + timedelta(seconds=30)
    behind = superseded_by_events(settings, "build_report", MARTS, {MARTS: [events[0]]}, {MARTS: accessor}, now)
    assert behind is not None and (T0 + timedelta(seconds=12)).isoformat() in behind
    assert accessor.calls == [("ascending", False), ("limit", 1)]
    newest = superseded_by_events(settings, "build_report", MARTS, {MARTS: [events[1]]}, {MARTS: Accessor(events)},
                                  now)
    assert newest is None
    untouched = Accessor(events)
    assert superseded_by_events(settings, "build_report", MARTS, None, {MARTS: untouched}, now) is None
    assert untouched.calls == []
