"""Whether a publish run's follow-ups (the partner deliveries, the report) can leave their work to a newer run.

A burst of files gives several builds, each with its `marts` event and its publish run. A publish run's follow-ups
read the *live* publications, not the run's own: by the time an older run's deliveries or report get the
warehouse slot, a newer build has often been published already, and the newer run's follow-ups will deliver and
report the same live versions again. Measured in `make demo` (bench/results.md, twelfth round): after the last
build, 30-39 s of deliveries and reports, some of superseded runs, ran before the newest run's were done.

So a follow-up of a run triggered by `marts` events is skipped when the asset has a newer event than every one that
triggered the run and than the run's start: a newer build succeeded, and the publish DAG, scheduled on that event,
has a run for it still to come (queued or running), which delivers and reports what is then live. A newer event
from before the run's start has no run to come: Airflow keeps one queue row per DAG and asset, so an event that
arrives while the row waits (the DAG at its active-run limit) joins the row, and creating the run deletes the row
while the run takes only the events up to the row's first one (seen in `make demo`: the last build's event
triggered no run, and every follow-up of the last run skipped). That run's publication started after the newer
build, so it published what that build left, and its follow-ups run. Two guards more:

- a run started by hand (no triggering events) never skips;
- a follow-up is never held back longer than ``MAX_STALE``: the first skip since it last completed starts a clock
  (``held_since``), and once that is older than ``MAX_STALE`` the next run does the work, so a stream of builds that
  never pauses cannot hold deliveries and the report back for longer. Completing clears the clock.

The clock and the last completion are kept in ``<work>/publications/_followups.json``, written whole
(``publish.store.write_json``); a missing, emptied or half-written record reads as empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from config.settings import Settings, get_settings
from publish.store import write_json

T = TypeVar("T")

MAX_STALE = timedelta(minutes=15)
HELD = ".held_since"  # suffix of a follow-up's clock in the record: the first skip since it last completed


def _state_path(settings: Settings) -> Path:
    return settings.publications_dir / "_followups.json"


def _state(settings: Settings) -> dict[str, str]:
    try:
        state = json.loads(_state_path(settings).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):  # never run, or a file a killed run left half-written
        return {}
    return state if isinstance(state, dict) else {}


def _write(settings: Settings, state: dict[str, str]) -> None:
    path = _state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, state)  # flushed, under a temporary name renamed into place


def _time(settings: Settings, key: str) -> datetime | None:
    try:
        return datetime.fromisoformat(_state(settings)[key])
    except (KeyError, TypeError, ValueError):
        return None


def last_completed(settings: Settings, followup: str) -> datetime | None:
    """When ``followup`` last completed (:func:`record_completed`), or None."""
    return _time(settings, followup)


def held_since(settings: Settings, followup: str) -> datetime | None:
    """When ``followup`` was first left to a newer run since it last completed (:func:`record_held`), or None."""
    return _time(settings, followup + HELD)


def record_completed(settings: Settings, followup: str, when: datetime | None = None) -> None:
    """Note that ``followup`` completed, which stops its clock."""
    state = {k: v for k, v in _state(settings).items() if k != followup + HELD}
    _write(settings, {**state, followup: (when or datetime.now(UTC)).isoformat()})


def record_held(settings: Settings, followup: str, when: datetime | None = None) -> None:
    """Note that ``followup`` was left to a newer run: starts its clock unless it is already running."""
    if held_since(settings, followup) is None:
        _write(settings, {**_state(settings), followup + HELD: (when or datetime.now(UTC)).isoformat()})


def superseded(settings: Settings, followup: str, triggered_at: Iterable[datetime], newest_event_at: datetime | None,
               now: datetime | None = None, run_started_at: datetime | None = None) -> str | None:
    """Why ``followup`` can be left to a newer publish run, or None when it must run.

    ``triggered_at``: the timestamps of the `marts` events that triggered this run (none for a manual run);
    ``newest_event_at``: the timestamp of the asset's newest `marts` event; ``run_started_at``: when this run
    started (a newer event from before it has no run to come: the module's docstring)."""
    mine = max(triggered_at, default=None)
    if mine is None or newest_event_at is None or newest_event_at <= mine:
        return None
    if run_started_at is not None and newest_event_at <= run_started_at:
        return None
    now = now or datetime.now(UTC)
    held = held_since(settings, followup)
    if held is not None and now - held > MAX_STALE:
        return None
    return (f"superseded: a newer build's marts event ({newest_event_at.isoformat()}) follows this run's "
            f"({mine.isoformat()}), and the publish run for it runs {followup} on what is live then "
            f"(held back since {(held or now).isoformat()}; never longer than {MAX_STALE})")


def superseded_by_events(settings: Settings, followup: str, marts, triggering_asset_events, inlet_events,
                         now: datetime | None = None, dag_run=None) -> str | None:
    """:func:`superseded` from an Airflow task's context, starting the follow-up's clock when it skips: the `marts`
    asset's events that triggered the run (``triggering_asset_events``), its newest event (read through
    ``inlet_events``: the task declares the asset as an inlet) and the run's start (``dag_run.start_date``). Reads
    nothing from Airflow for a manual run."""
    triggered_at = [event.timestamp for event in (triggering_asset_events or {}).get(marts, [])]
    if not triggered_at or inlet_events is None:
        return None
    newest = list(inlet_events[marts].ascending(False).limit(1))
    reason = superseded(settings, followup, triggered_at, newest[0].timestamp if newest else None, now,
                        getattr(dag_run, "start_date", None))
    if reason:
        record_held(settings, followup, now)
    return reason


def run_followup(followup: str, work: Callable[[Settings], T], marts, triggering_asset_events, inlet_events,
                 dag_run=None) -> T:
    """A publish run's follow-up as its Airflow task runs it: skipped, starting its clock, when it is superseded
    (:func:`superseded_by_events`), else ``work`` on the settings and its completion recorded."""
    from airflow.sdk.exceptions import AirflowSkipException  # here: the module is used without Airflow too

    settings = get_settings()
    if reason := superseded_by_events(settings, followup, marts, triggering_asset_events, inlet_events,
                                      dag_run=dag_run):
        raise AirflowSkipException(reason)
    result = work(settings)
    record_completed(settings, followup)
    return result
