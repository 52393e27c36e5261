"""One ingest DAG per feed contract (``ingest__<feed_id>``), generated from ``contracts/*.yaml``.

Adding a contract adds its DAG: there is no per-feed DAG code. Each DAG is scheduled on the asset
``landing.<feed_id>``, whose watcher (a ``DirectoryFileDeleteTrigger`` in the triggerer) fires when a partner
writes the ``_READY`` marker into ``landing/<ORG>/<feed>/`` after its files, and deletes the marker.
Parse cost: the contracts are read from local YAML; nothing else (no database, no Variables).
"""

from __future__ import annotations

from pathlib import Path

from airflow.providers.standard.triggers.file import DirectoryFileDeleteTrigger
from airflow.sdk import Asset, AssetWatcher, Metadata, Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from ingest.contract import Contract, load_contracts
from outcomes.dag_defaults import START_DATE, default_args
from outcomes.settings import get_settings

READY_MARKER = "_READY"
POKE_INTERVAL_SECONDS = 2.0
DEFAULT_ARGS = default_args(retry_delay_seconds=20)

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


def _doc(contract: Contract, landing: Path) -> str:
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


def landing_asset(contract: Contract, landing: Path) -> Asset:
    """The asset a partner's ``_READY`` marker updates; its watcher runs in the triggerer."""
    trigger = DirectoryFileDeleteTrigger(
        directory=str(landing), filename=READY_MARKER, poke_interval=POKE_INTERVAL_SECONDS
    )
    return Asset(
        name=f"landing.{contract.feed_id}",
        extra={"directory": str(landing)},
        watchers=[AssetWatcher(name=f"ready_marker__{contract.feed_id}", trigger=trigger)],
    )


def build_ingest_dag(contract: Contract, landing: Path):
    feed_id = contract.feed_id
    raw = Asset(name=f"raw.{feed_id}")

    @dag(
        dag_id=f"ingest__{feed_id}",
        description=f"Ingest {contract.title}",
        schedule=[landing_asset(contract, landing)],
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,  # later _READY events queue and are merged into the next run's claim
        tags=["ingest", contract.organisation, feed_id],
        default_args=DEFAULT_ARGS,
        doc_md=_doc(contract, landing),
        params={
            "path": Param(
                None,
                type=["null", "string"],
                description="Ingest just this file (absolute path) instead of claiming the landing folder",
            )
        },
    )
    def ingest_dag():
        @task
        def claim(params=None) -> list[str]:
            """Claim the files waiting in landing (or take the one file given as the ``path`` param)."""
            path = (params or {}).get("path")
            if path:
                if not Path(path).is_file():
                    raise AirflowFailException(f"path {path!r} is not a file")
                return [str(path)]
            from ingest.claim import claim_files

            claimed = [str(p) for p in claim_files(feed_id)]
            print(f"claimed {len(claimed)} file(s) from {landing}: {[Path(p).name for p in claimed]}")
            return claimed

        @task(outlets=[raw], map_index_template="{{ file_name }}")
        def ingest(path: str):
            """Validate, pseudonymise and load one file; emit a raw asset event for the new batch."""
            from ingest.claim import locate
            from ingest.errors import FileRejected
            from ingest.load import ingest_file

            get_current_context()["file_name"] = Path(path).name  # type: ignore[typeddict-unknown-key]
            try:  # a rerun after success finds the archived copy and ends as a duplicate
                delivered = locate(path, feed_id)
            except FileNotFoundError as exc:
                raise AirflowFailException(str(exc)) from exc  # retrying cannot bring the file back
            try:
                result = ingest_file(delivered, feed_id=feed_id)
            except FileRejected as exc:
                raise AirflowFailException(f"{Path(path).name} rejected: {exc}") from exc
            info = result.to_dict()
            print(f"{Path(path).name}: {info}")
            if info.get("status") == "duplicate":
                raise AirflowSkipException(f"{Path(path).name} was already loaded (batch {info.get('batch_id')})")
            yield Metadata(
                raw,
                {
                    "feed_id": feed_id,
                    "batch_id": info.get("batch_id"),
                    "ledger_id": info.get("batch_id"),
                    "period_start": str(info.get("period_start")),
                    "period_end": str(info.get("period_end")),
                    "rows_received": info.get("rows_received"),
                    "rows_accepted": info.get("rows_accepted"),
                    "rows_rejected": info.get("rows_rejected"),
                    "rows_opted_out": info.get("rows_opted_out"),
                    "source_file": Path(path).name,
                },
            )
            return info

        ingest.expand(path=claim())

    return ingest_dag()


def _generate() -> None:
    settings = get_settings()
    for contract in load_contracts(settings.contracts_dir):
        landing = settings.landing_dir / contract.landing_subdir()
        globals()[f"ingest__{contract.feed_id}"] = build_ingest_dag(contract, landing)


_generate()
