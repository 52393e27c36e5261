"""One ingest DAG per feed contract (``ingest__<feed_id>``), generated from ``contracts/*.yaml``.

Adding a contract adds its DAG: there is no per-feed DAG code. Each DAG is scheduled on the asset
``landing.<feed_id>``, whose watcher (a ``DirectoryFileDeleteTrigger`` in the triggerer) fires when a partner
writes the ``_READY`` marker into ``landing/<ORG>/<feed>/`` after its files, and deletes the marker.
The steps live in ``outcomes.feed_ingest``. Parse cost: the contracts are read from local YAML; nothing else.
"""

from __future__ import annotations

from pathlib import Path

from airflow.providers.standard.triggers.file import DirectoryFileDeleteTrigger
from airflow.sdk import (
    Asset,
    AssetWatcher,
    ExceptionRetryPolicy,
    Metadata,
    Param,
    RetryAction,
    RetryRule,
    dag,
    task,
)
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from config import names
from config.contracts import Contract, load_contracts
from config.settings import get_settings
from outcomes.dag_defaults import START_DATE, default_args
from outcomes.feed_ingest import READY_MARKER, ingest_doc

POKE_INTERVAL_SECONDS = 0.5  # a stat of one folder: cheap, and the wait is part of every file's latency
DEFAULT_ARGS = default_args(retry_delay_seconds=20)
# A refused file (outcomes.feed_ingest.Refused) fails at once: the same bytes would be refused again.
REFUSALS_FAIL_AT_ONCE = ExceptionRetryPolicy(rules=[RetryRule(
    exception="outcomes.feed_ingest.Refused", action=RetryAction.FAIL, reason="a data refusal: not retried")])


def landing_asset(contract: Contract, landing: Path) -> Asset:
    """The asset a partner's ``_READY`` marker updates; its watcher runs in the triggerer."""
    trigger = DirectoryFileDeleteTrigger(directory=str(landing), filename=READY_MARKER,
                                         poke_interval=POKE_INTERVAL_SECONDS)
    watcher = AssetWatcher(name=names.ready_watcher(contract.feed_id), trigger=trigger)
    return Asset(name=names.landing_asset(contract.feed_id), group=names.LANDING_GROUP,
                 extra={"directory": str(landing)}, watchers=[watcher])


def build_ingest_dag(contract: Contract, landing: Path):
    feed_id = contract.feed_id
    raw = Asset(name=names.raw_asset(feed_id), group=names.RAW_GROUP)
    outcome_asset = Asset(name=names.ingest_asset(feed_id), group=names.RAW_GROUP)

    @dag(
        dag_id=names.ingest_dag_id(feed_id),
        description=f"Ingest {contract.title}",
        schedule=[landing_asset(contract, landing)],
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,  # later _READY events queue and are merged into the next run's claim
        tags=names.dag_tags("ingest", contract.organisation),
        default_args=DEFAULT_ARGS,
        doc_md=ingest_doc(contract, landing),
        params={"path": Param(None, type=["null", "string"],
                              description="Ingest just this file (absolute path) instead of claiming landing")},
    )
    def ingest_dag():
        @task
        def claim(params=None) -> list[str]:
            """Claim the files waiting in landing (or take the one file given as the ``path`` param)."""
            from outcomes.feed_ingest import files_for_run

            try:
                return files_for_run(feed_id, (params or {}).get("path"))
            except FileNotFoundError as exc:
                raise AirflowFailException(str(exc)) from exc

        # the file's name labels the mapped task in the grid, rendered before the task runs (so a refused file,
        # which ends the task without the usual after-run rendering, is labelled too)
        @task(outlets=[raw], map_index_template="{{ task.op_kwargs['path'].rsplit('/', 1)[-1] }}",
              retry_policy=REFUSALS_FAIL_AT_ONCE)
        def ingest(path: str):
            """Validate, pseudonymise and load one file; emit a raw asset event for the new batch."""
            from ingest.errors import FileRejected
            from outcomes.feed_ingest import AlreadyLoaded, Refused, ingest_one

            try:
                extra = ingest_one(path, feed_id)
            except (FileRejected, FileNotFoundError) as exc:  # data errors: retrying cannot help
                reason = str(exc) if isinstance(exc, FileRejected) else f"{Path(path).name}: {exc}"  # names the file
                print(f"REFUSED {reason}", flush=True)  # the task's own first line: the reason, whole
                raise Refused(reason) from None
            except AlreadyLoaded as exc:
                raise AirflowSkipException(str(exc)) from exc
            yield Metadata(raw, extra)
            return extra

        @task(outlets=[outcome_asset])
        def report(claimed: list[str]):
            """Emit ``ingest.<feed_id>``: the files this run loaded, found duplicate and refused (with reasons)."""
            from outcomes.feed_ingest import run_outcome

            if not claimed:
                raise AirflowSkipException("nothing was waiting in landing: no outcome to report")
            outcome = run_outcome(claimed)
            print(f"{len(outcome['loaded'])} loaded, {len(outcome['duplicate'])} duplicate, "
                  f"{len(outcome['refused'])} refused: {[r['reason'] for r in outcome['refused']]}")
            yield Metadata(outcome_asset, outcome)
            return outcome

        claimed = claim()
        # report is a teardown so that it runs whatever the files' outcomes and the run's state still comes from
        # the ingest tasks (a refused file fails the run); no setup, so clearing one ingest task re-runs that file
        # alone, never the claim
        ingest.expand(path=claimed) >> report(claimed).as_teardown()

    return ingest_dag()


def _generate() -> None:
    settings = get_settings()
    for contract in load_contracts(settings.contracts_dir):
        landing = names.landing_folder(settings, contract)
        globals()[names.ingest_dag_id(contract.feed_id)] = build_ingest_dag(contract, landing)


_generate()
