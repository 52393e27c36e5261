"""The steps each generated ingest DAG runs, kept out of the DAG file: its documentation, claiming the files
waiting in a feed's landing folder, ingesting one file and describing the raw asset event of its batch.

Every function runs without Airflow; ``dags/ingest_feeds.py`` only wires them to tasks and maps errors to
Airflow's fail/skip exceptions.
"""

from __future__ import annotations

from pathlib import Path

from config.contracts import Contract
from ingest.claim import READY_MARKER

__all__ = ["READY_MARKER", "AlreadyLoaded", "files_for_run", "ingest_doc", "ingest_one"]


class AlreadyLoaded(Exception):
    """The same bytes were loaded before: nothing new to emit (the task is skipped)."""


DOC_TEMPLATE = """\
# Ingest: {title}

{description}

| | |
|---|---|
| feed id | `{feed_id}` |
| sender | `{organisation}` |
| national dataset | {national_dataset} |
| file pattern | `{pattern}` ({format}) |
| cadence | {frequency}, due {deadline_days} days after the period ends |
| landing folder | `{landing}` |
| emits | asset `raw.{feed_id}`, one event per loaded batch (period, rows, batch id) |

**How it starts.** A partner drops files into the landing folder, then writes `_READY` there. The watcher on
asset `landing.{feed_id}` deletes the marker and this DAG runs: `claim` moves every waiting file into an inbox
folder, `ingest` runs once per file (dynamic task mapping, in parallel).

**Outcomes per file.** Loaded: the task succeeds and emits a `raw.{feed_id}` event, which schedules `transform`.
Duplicate delivery (same content already loaded): the task is *skipped*, nothing is emitted.
Rejected (a data error): the task fails at once with the rule that failed, no retry; the file is kept for audit.
Any other error is treated as transient: two retries with exponential backoff.

**On demand for one file.** Trigger with config `{{"path": "/full/path/to/file"}}` (or, without Airflow,
`outcomes ingest /full/path/to/file`). Triggered without `path`, the DAG claims whatever is waiting in landing.
"""


def ingest_doc(contract: Contract, landing: Path) -> str:
    """The DAG's page in the Airflow UI, from the contract."""
    return DOC_TEMPLATE.format(
        title=contract.title,
        description=contract.description.strip(),
        feed_id=contract.feed_id,
        organisation=contract.organisation,
        national_dataset=contract.national_dataset or "none",
        pattern=contract.file.pattern,
        format=contract.file.format,
        frequency=contract.cadence.frequency,
        deadline_days=contract.cadence.deadline_days,
        landing=landing,
    )


def files_for_run(feed_id: str, path: str | None = None) -> list[str]:
    """The one file asked for (``path``), or every file waiting in the feed's landing folder, claimed."""
    if path:
        if not Path(path).is_file():
            raise FileNotFoundError(f"path {path!r} is not a file")
        return [str(path)]
    from ingest.claim import claim_files

    claimed = [str(p) for p in claim_files(feed_id)]
    print(f"claimed {len(claimed)} file(s): {[Path(p).name for p in claimed]}")
    return claimed


def ingest_one(path: str, feed_id: str) -> dict:
    """Ingest one claimed file and return the raw asset event's extra for its batch.

    Raises FileRejected (a data error; a refused opt-out list raises its alert first), FileNotFoundError (the
    file is gone: retrying cannot help) or AlreadyLoaded (a duplicate delivery). A rerun after success finds the
    archived copy and is a duplicate.
    """
    from config.settings import get_settings
    from ingest.claim import locate
    from ingest.errors import FileRejected
    from ingest.load import ingest_file
    from outcomes.optout_alerts import alert_if_refused_list

    settings = get_settings()
    try:
        result = ingest_file(locate(path, feed_id, settings), feed_id=feed_id, settings=settings)
    except FileRejected as exc:
        alert_if_refused_list(settings, path, exc, feed_id)
        raise
    info = result.to_dict()
    print(f"{Path(path).name}: {info}")
    if result.status == "duplicate":
        raise AlreadyLoaded(f"{Path(path).name} was already loaded (batch {result.duplicate_of})")
    return {
        "feed_id": feed_id,
        "batch_id": result.batch_id,
        "ledger_id": result.batch_id,
        "period_start": str(result.period_start),
        "period_end": str(result.period_end),
        "rows_received": result.rows_received,
        "rows_accepted": result.rows_accepted,
        "rows_rejected": result.rows_rejected,
        "rows_opted_out": result.rows_opted_out,
        "rows_outside_england": result.rows_outside_england,
        "redactions": result.redactions,
        "source_file": Path(path).name,
    }
