"""One pull DAG per pulled feed (``pull__<feed_id>``), generated from the contracts whose ``source`` is ``mesh``,
``sftp`` or ``sql``; feeds delivered into a folder (the default) have none.

Scheduled by the contract's cadence. ``wait_for_files`` is a sensor in reschedule mode (no worker slot held between
pokes); ``pull`` fetches into the feed's landing folder exactly once and writes ``_READY``, and the ingest DAG
takes it from there. The steps live in ``outcomes.feed_pull`` and the ``pull`` package. Parse cost: the contracts
are read from local YAML; nothing else (no connection is looked up at parse time).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import PokeReturnValue, dag, task
from airflow.sdk.exceptions import AirflowFailException

from config import names
from config.contracts import Contract, load_contracts
from config.settings import get_settings
from outcomes.dag_defaults import START_DATE, default_args
from outcomes.feed_pull import poke_seconds, pull_doc, schedule, wait_timeout_seconds

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
        @task.sensor(mode="reschedule", poke_interval=poke_seconds(),
                     timeout=timedelta(seconds=wait_timeout_seconds(contract)).total_seconds())
        def wait_for_files() -> PokeReturnValue:
            """Done when the source has at least one file for this feed (names only; nothing downloaded)."""
            from outcomes.feed_pull import waiting_files
            from pull.errors import SourceMisconfigured

            try:
                found = waiting_files(feed_id)
            except SourceMisconfigured as exc:  # retrying cannot help
                raise AirflowFailException(str(exc)) from exc
            return PokeReturnValue(is_done=bool(found), xcom_value=found)

        @task
        def pull(data_interval_start=None, data_interval_end=None) -> list[dict]:
            """Download into landing (temporary name, rename), then acknowledge or move at the source."""
            from outcomes.feed_pull import pull_files
            from pull.errors import SourceMisconfigured

            period = (data_interval_start.date(), data_interval_end.date()) if data_interval_start else None
            try:
                return pull_files(feed_id, period)
            except SourceMisconfigured as exc:
                raise AirflowFailException(str(exc)) from exc

        wait_for_files() >> pull()

    return pull_dag()


def _generate() -> None:
    settings = get_settings()
    for contract in load_contracts(settings.contracts_dir):
        if contract.source.kind != "folder":
            globals()[names.pull_dag_id(contract.feed_id)] = build_pull_dag(contract, settings)


_generate()
