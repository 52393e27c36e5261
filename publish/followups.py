"""Whether a publish run's follow-ups (the partner deliveries, the report) can leave their work to a newer run.

A burst of files gives several builds, each with its `marts` event and its publish run. A publish run's follow-ups
read the *live* publications, not the run's own: by the time an older run's deliveries or report get the
warehouse slot, a newer build has often been published already, and the newer run's follow-ups will deliver and
report the same live versions again. Measured in `make demo` (bench/results.md, twelfth round): after the last
build, 38 s of deliveries and reports of superseded runs ran before the newest run's.

So a follow-up of a run triggered by `marts` events is skipped when the asset has a newer event than every one that
triggered the run: a newer build succeeded, and the publish DAG, scheduled on that event, has a run for it still to
come (queued or running), which delivers and reports what is then live. Two guards:

- a run started by hand (no triggering events) never skips;
- a follow-up never skips when it last completed more than ``MAX_STALE`` ago (or never), so a stream of builds that
  never pauses cannot hold deliveries and the report back for longer than that.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from config.settings import Settings

MAX_STALE = timedelta(minutes=15)
FOLLOWUPS = ("deliver_to_partners", "build_report")


def _state_path(settings: Settings) -> Path:
    return settings.publications_dir / "_followups.json"


def _state(settings: Settings) -> dict[str, str]:
    try:
        state = json.loads(_state_path(settings).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):  # never run, or a file a killed run left half-written: run, not skip
        return {}
    return state if isinstance(state, dict) else {}


def last_completed(settings: Settings, followup: str) -> datetime | None:
    """When ``followup`` last completed (recorded by :func:`record_completed`), or None."""
    try:
        return datetime.fromisoformat(_state(settings)[followup])
    except (KeyError, TypeError, ValueError):
        return None


def record_completed(settings: Settings, followup: str, when: datetime | None = None) -> None:
    """Note that ``followup`` completed (written whole: a temporary file renamed into place)."""
    path = _state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {**_state(settings), followup: (when or datetime.now(UTC)).isoformat()}
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def superseded(settings: Settings, followup: str, triggered_at: Iterable[datetime], newest_event_at: datetime | None,
               now: datetime | None = None) -> str | None:
    """Why ``followup`` can be left to a newer publish run, or None when it must run.

    ``triggered_at``: the timestamps of the `marts` events that triggered this run (none for a manual run);
    ``newest_event_at``: the timestamp of the asset's newest `marts` event."""
    mine = max(triggered_at, default=None)
    if mine is None or newest_event_at is None or newest_event_at <= mine:
        return None
    now = now or datetime.now(UTC)
    done = last_completed(settings, followup)
    if done is None or now - done > MAX_STALE:
        return None
    return (f"superseded: a newer build's marts event ({newest_event_at.isoformat()}) follows this run's "
            f"({mine.isoformat()}), and the publish run for it runs {followup} on what is live then "
            f"({followup} last completed {done.isoformat()}, within {MAX_STALE})")


def superseded_by_events(settings: Settings, followup: str, marts, triggering_asset_events, inlet_events,
                         now: datetime | None = None) -> str | None:
    """:func:`superseded` from an Airflow task's context: the `marts` asset's events that triggered the run
    (``triggering_asset_events``) and its newest event (read through ``inlet_events``: the task declares the asset
    as an inlet). Reads nothing from Airflow for a run started by hand."""
    triggered_at = [event.timestamp for event in (triggering_asset_events or {}).get(marts, [])]
    if not triggered_at or inlet_events is None:
        return None
    newest = list(inlet_events[marts].ascending(False).limit(1))
    return superseded(settings, followup, triggered_at, newest[0].timestamp if newest else None, now)
