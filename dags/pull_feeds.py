"""One pull DAG per pulled feed (``pull__<feed_id>``), generated from the contracts whose ``source`` is ``mesh``,
``sftp`` or ``sql``; feeds delivered into a folder (the default) have none.

Scheduled by the contract's cadence. ``wait_for_files`` looks at the source and defers on a timer between looks
(no worker slot held while nothing arrives; ``outcomes.pull_sensor``); ``pull`` fetches into the feed's landing
folder exactly once and writes ``_READY``, and the ingest DAG takes it from there. The steps live in
``outcomes.feed_pull`` and the ``pull`` package. Parse cost: the contracts are read from local YAML; nothing else
(no connection is looked up at parse time).
"""

from __future__ import annotations

from airflow.sdk import dag, task
from airflow.sdk.exceptions import AirflowFailException

from config import names
from config.contracts import Contract, load_contracts
from config.settings import get_settings
from outcomes.dag_defaults import START_DATE, default_args
from outcomes.feed_pull import period_before, poke_seconds, pull_doc, schedule, wait_timeout_seconds
from outcomes.pull_sensor import SourceFilesSensor

DEFAULT_ARGS = default_args(retry_delay_seconds=30)


def build_pull_dag(contract: Contract, settings):
    feed_id = contract.feed_id

    @dag(
        dag_id=names.pull_dag_id(feed_id),
        description=f"Pull {contract.title} from {contract.source.kind.upper()}",
        schedule=schedule(contract),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        tags=["pull", contract.source.kind, contract.organisation, feed_id],
        default_args=DEFAULT_ARGS,
        doc_md=pull_doc(contract, settings),
    )
    def pull_dag():
        @task
        def pull(data_interval_end=None) -> list[dict]:
            """Download into landing (temporary name, rename), then acknowledge or move at the source."""
            from outcomes.feed_pull import pull_files
            from pull.errors import SourceMisconfigured

            period = period_before(contract, data_interval_end) if data_interval_end else None
            try:
                return pull_files(feed_id, period)
            except SourceMisconfigured as exc:
                raise AirflowFailException(str(exc)) from exc

        if contract.source.kind == "sql":  # a database has nothing to wait for: the period is extracted on time
            pull()
        else:
            SourceFilesSensor(task_id="wait_for_files", feed_id=feed_id, poke_seconds=poke_seconds(),
                              timeout_seconds=wait_timeout_seconds(contract)) >> pull()

    return pull_dag()


def _generate() -> None:
    settings = get_settings()
    for contract in load_contracts(settings.contracts_dir):
        if contract.source.kind != "folder":
            globals()[names.pull_dag_id(contract.feed_id)] = build_pull_dag(contract, settings)


_generate()
