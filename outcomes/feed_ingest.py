"""The steps each generated ingest DAG runs, kept out of the DAG file: its documentation, claiming the files
waiting in a feed's landing folder, ingesting one file and describing the raw asset event of its batch.

Every function runs without Airflow; ``dags/ingest_feeds.py`` only wires them to tasks and maps errors to
Airflow's fail/skip exceptions.
"""

from __future__ import annotations

from pathlib import Path

from config.contracts import Contract
from ingest.claim import READY_MARKER

__all__ = ["READY_MARKER", "AlreadyLoaded", "Refused", "files_for_run", "ingest_doc", "ingest_one", "run_outcome"]


class AlreadyLoaded(Exception):
    """The same bytes were loaded before: nothing new to emit (the task is skipped)."""


class Refused(SystemExit):
    """A data refusal ends the ingest task failed with the reason as its one line.

    A SystemExit because that is the one failure Airflow's task runner logs without a traceback ("Task
    exited" with the reason as its exit code); the ingest DAG's retry policy fails it at once, without retry,
    since the same bytes would be refused again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


def run_outcome(paths: list[str]) -> dict:
    """What happened to each file a run claimed, from the ledger (its latest row per file name): the files
    loaded, the duplicates, and each refused file with its rule and reason."""
    from config.settings import get_settings
    from lake.ledger import read_entries

    wanted = {Path(p).name for p in paths}
    latest: dict[str, dict] = {}
    for entry in sorted(read_entries(get_settings()), key=lambda e: e.get("received_at") or ""):
        if entry["file"] in wanted:
            latest[entry["file"]] = entry
    outcome: dict = {"files": len(wanted), "loaded": [], "duplicate": [], "refused": [],
                     "not_recorded": sorted(wanted - set(latest))}
    for name, entry in sorted(latest.items()):
        if entry["status"] == "rejected":
            outcome["refused"].append({"file": name, "rule": entry.get("rule"), "reason": entry.get("reason")})
        elif entry["status"] in ("loaded", "duplicate"):
            outcome[entry["status"]].append(name)
    return outcome


DOC_TEMPLATE = """\
# Checks, pseudonymises and loads each {feed_id} file from {organisation} into the raw lake

**{title}.**
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
Refused (a data error): the task fails at once, no retry, its log's own first line the reason (file, rule,
line, values; no traceback), the reason also the task instance's note in the grid; the file is kept for audit.
Any other error is treated as transient: two retries with exponential backoff.
Then `report` (a teardown: it runs whatever happened, and the run still fails when a file was refused) emits
an `ingest.{feed_id}` event listing the files loaded, duplicate and refused, with each refusal's reason.

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
    archived copy and is a duplicate, and so does a task whose claim a run re-took (see ingest.claim) and
    ingested first.
    """
    from config.settings import get_settings
    from ingest.claim import locate, reading
    from ingest.errors import FileRejected
    from ingest.load import ingest_file
    from outcomes.optout_alerts import alert_if_refused_list

    settings = get_settings()
    try:
        with reading(path, settings):  # no run re-takes this file's claim while it is ingested here
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
