"""The steps each generated pull DAG runs (``dags/pull_feeds.py``), kept out of the DAG file: its schedule and
documentation from the contract, waiting for files at the source, and pulling them into landing.

Every function runs without Airflow (``outcomes sources pull FEED`` would call the same); the DAG only maps
``pull.errors.SourceMisconfigured`` to a failure without retry and lets ``SourceUnavailable`` retry with backoff.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

from config import names
from config.contracts import Contract
from config.settings import Settings

POKE_ENV = "OUTCOMES_PULL_POKE_SECONDS"
DEFAULT_POKE_SECONDS = 300

# A pull DAG runs once per period of the contract's cadence, after the period ends, and waits (looking at the
# source, deferred on a timer between looks: no worker slot held) until the period's files are at the source, at
# most until the delivery deadline; the late_feeds check alerts past it.
SCHEDULES = {"daily": "@daily", "weekly": "@weekly", "monthly": "@monthly", "quarterly": "@quarterly",
             "annual": "@yearly"}


def schedule(contract: Contract) -> str:
    return SCHEDULES[contract.cadence.frequency]


def period_before(contract: Contract, moment) -> tuple[date, date]:
    """The cadence's period that ended at a run's time (start inclusive, end exclusive), in the schedule's
    timezone: a run at 1 December extracts November for a monthly feed. (Airflow 3 schedules a cron preset with a
    trigger timetable, whose data interval is empty, so the period is derived here.)"""
    from outcomes.dag_defaults import START_DATE

    day = moment.in_timezone(START_DATE.tz).date()
    frequency = contract.cadence.frequency
    if frequency in ("daily", "weekly"):
        end = day
        return end - timedelta(days=1 if frequency == "daily" else 7), end
    months = {"monthly": 1, "quarterly": 3, "annual": 12}[frequency]
    end = day.replace(day=1)
    if frequency == "quarterly":
        end = end.replace(month=(end.month - 1) // 3 * 3 + 1)
    elif frequency == "annual":
        end = end.replace(month=1)
    index = end.year * 12 + end.month - 1 - months
    return date(index // 12, index % 12 + 1, 1), end


def poke_seconds() -> float:
    return float(os.environ.get(POKE_ENV) or DEFAULT_POKE_SECONDS)


def wait_timeout_seconds(contract: Contract) -> float:
    return (contract.cadence.deadline_days + 1) * 86_400


DOC_TEMPLATE = """\
# Pull: {title}

Fetches the feed's files from its source system into the landing folder, exactly once, then writes `_READY`:
the watcher of asset `landing.{feed_id}` then starts `{ingest_dag}` as for a file a partner dropped.

| | |
|---|---|
| source | `{kind}` |
| Airflow connection | `{connection}` (credentials live only there) |
| where | {where} |
| schedule | `{schedule}` (cadence {frequency}); waits up to {deadline_days} days + 1 for files to arrive |
| landing folder | `{landing}` |

**Tasks.** {tasks}

**Failures.** A missing connection or refused credentials fail at once, naming the connection and the feed.
A source that is down or times out is retried with exponential backoff; after the last try an alert is raised.
A partial download never reaches landing.
"""


def pull_doc(contract: Contract, settings: Settings) -> str:
    source = contract.source
    where = {
        "mesh": lambda: f"mailbox `{source.mailbox}`, workflow `{source.workflow_id}`, files `{contract.file.pattern}`",
        "sftp": lambda: f"`{source.remote_folder}/{source.pattern or contract.file.pattern}`, then {source.after}",
        "sql": lambda: f"`{source.table or 'query'}` per period",
    }[source.kind]()
    if source.kind == "sql":
        tasks = ("`pull` extracts the period that just ended through a server-side cursor into a temporary "
                 "file, writes the manifest (row count, sha256), then renames the extract into landing.")
    else:
        tasks = (f"`wait_for_files` looks at the source every {poke_seconds():.0f} s, deferred on a timer in between "
                 "(no worker slot held), until the source has something for this feed; `pull` downloads to a hidden "
                 "temporary name, renames into landing and only then acknowledges (MESH) or moves the file (SFTP).")
    return DOC_TEMPLATE.format(
        title=contract.title, feed_id=contract.feed_id, ingest_dag=names.ingest_dag_id(contract.feed_id),
        kind=source.kind, connection=source.connection, where=where, schedule=schedule(contract),
        frequency=contract.cadence.frequency, deadline_days=contract.cadence.deadline_days,
        landing=names.landing_folder(settings, contract), tasks=tasks)


def waiting_files(feed_id: str) -> list[str]:
    """Names of the files waiting at the feed's source (the sensor's poke)."""
    from config.contracts import contract_for_feed
    from config.settings import get_settings
    from pull.sources import waiting

    settings = get_settings()
    return waiting(contract_for_feed(settings.contracts_dir, feed_id), settings)


def pull_files(feed_id: str, period: tuple[date, date] | None = None) -> list[dict]:
    """Pull what is waiting into landing (then ``_READY``); one ``{file, bytes, sha256}`` per file landed."""
    from config.contracts import contract_for_feed
    from config.settings import get_settings
    from pull.sources import landed_summary, pull_into_landing

    settings = get_settings()
    landed = landed_summary(pull_into_landing(contract_for_feed(settings.contracts_dir, feed_id), settings, period))
    print(f"{feed_id}: pulled {len(landed)} file(s) into landing: {landed}")
    return landed
