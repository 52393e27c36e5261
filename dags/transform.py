"""Transform: dbt build of what is downstream of the feeds that changed, then the ``marts`` asset.

Scheduled on any ``raw.<feed_id>`` asset (one per contract). With ``max_active_runs=1`` a burst of deliveries
leads to a few rebuilds, not one per file. What a run builds comes from the ledger, not only from its
triggering events: every feed with a loaded batch no successful build has covered is selected, so an event
that no run consumed (Airflow closes a queued run's event window when it is created) still gets built, and a run
whose events' batches an earlier build already covered builds nothing (docs/architecture.md).
"""

from __future__ import annotations

from airflow.sdk import Asset, AssetAny, Metadata, Param, dag, task
from airflow.sdk.exceptions import AirflowSkipException

from config import names
from config.contracts import load_contracts
from config.settings import get_settings
from outcomes.dag_defaults import START_DATE, default_args

WAREHOUSE_WRITER_PRIORITY = 100  # above every reader of the warehouse pool (publish's tasks: 1-3)
MARTS = Asset(name=names.MARTS_ASSET, group=names.MARTS_GROUP)
RAW_ASSETS = [Asset(name=names.raw_asset(c.feed_id), group=names.RAW_GROUP)
              for c in load_contracts(get_settings().contracts_dir)]

DOC = """\
# Builds the warehouse with dbt (models and tests) downstream of the feeds that loaded new batches

**Runs when** any feed's raw asset (`raw.<feed_id>`) gets an event, i.e. an ingest loaded a new batch. Events
that arrive while a build runs are merged into the next run (`max_active_runs=1`).

**Does**, in one task `build` that plans once it holds the warehouse's slot (after waiting, up to 30 s, while
ingest runs are still working through files they claimed, so that one build covers a burst), `dbt build --select
source:raw.<feed_id>+` for every feed with a loaded batch no successful build has covered (from the load ledger
and the build state, which also covers events that arrived while a run was queued): the models downstream of the
changed sources and
every test of those models (eager: a relationship test also reads a reference model, which exists). Everything
else is unchanged, so it is not rebuilt. Until a build of everything has succeeded on the warehouse (a fresh one),
the run builds everything: the reference models would not exist. When every batch is already covered (a build
that started after their commits built them), the task skips and emits no `marts` event. A manual run with no
`select` param builds everything; `{"select": ["source:raw.rwp_ecds+"]}` rebuilds one feed's models. Rerunning a
period (reload the file, or just rebuild) gives the same result: raw batches are immutable.

**Writes** the DuckDB warehouse, so the task runs in the pool `warehouse` (one slot): there is never a second
writer. Emits asset `marts`, whose extra lists the selection and the batches it was built from; `publish` is
scheduled on it. Without Airflow: `outcomes build`.
"""


def plan(params=None, triggering_asset_events=None) -> dict:
    """Which dbt selection to build: the feeds with batches no build has covered (ledger and build state). With
    an older build state (no record of the batches builds covered) the triggering events' feeds too, as the
    watermark can miss a batch committed out of order. ``nothing``: triggered by feeds' events, but every loaded
    batch is already covered (a build started after their commits covered them), so there is nothing to build."""
    from transform.build_state import pending_changes

    pending = pending_changes()
    feeds = set(pending.feeds)
    if not pending.exact:
        for asset in triggering_asset_events or {}:
            if feed := names.feed_of_raw_asset(asset.name):
                feeds.add(feed)
    selected = (params or {}).get("select")
    if not selected and pending.built and pending.exact and not feeds and triggering_asset_events:
        print(f"nothing to build: every loaded batch is covered by a build (up to {pending.upto})")
        return {"select": None, "batches": [], "upto": pending.upto, "nothing": True}
    if not selected and feeds and pending.built:  # a warehouse never built whole is built whole
        selected = [names.source_selector(feed) for feed in sorted(feeds)]
    print(f"select={selected or 'everything'} covering batches={pending.batches}")
    return {"select": selected or None, "batches": pending.batches, "upto": pending.upto}


@dag(
    dag_id=names.TRANSFORM_DAG,
    description="dbt build downstream of the changed raw sources",
    schedule=AssetAny(*RAW_ASSETS) if RAW_ASSETS else None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=names.dag_tags("transform"),
    default_args=default_args(),
    doc_md=DOC,
    params={
        "select": Param(
            None,
            type=["null", "array"],
            description="dbt selectors to build instead of those derived from the triggering events",
        )
    },
)
def transform():
    # first to the warehouse pool's slot: a build waiting behind a publish run's deliveries and report (about 10 s)
    # delays every later file's publication; a delivery that then meets a newer warehouse waits for its publication
    @task(pool="warehouse", outlets=[MARTS], priority_weight=WAREHOUSE_WRITER_PRIORITY, weight_rule="absolute")
    def build(params=None, triggering_asset_events=None):
        """Plan (:func:`plan`, once the warehouse's slot is held, so the ledger is read as the build starts), then
        dbt build (models and tests); the only task that writes the warehouse. dbt's own lines (one per model and
        test, with its status) go to this task's log, so a failing model or test is named there."""
        from outcomes.settle import wait_for_ingests
        from transform.build import build as dbt_build

        if not (params or {}).get("select"):  # a burst still being ingested: one build covers it (outcomes.settle)
            print(wait_for_ingests(get_settings()).describe())
        planned = plan(params, triggering_asset_events)
        if planned.get("nothing"):  # no `marts` event either, so no publish run for an unchanged warehouse
            raise AirflowSkipException("nothing to build: a build started after these batches were committed "
                                       "covered them")
        # dbt in this task's process: its libraries are already loaded (the embedded scheduler preloads them)
        info = dbt_build(select=planned["select"], upto=planned.get("upto"), stream=True, in_process=True).to_dict()
        print(f"built: {info}")
        yield Metadata(
            MARTS,
            {
                "select": planned["select"],
                "batches": planned["batches"],
                "models": info.get("models"),
                "tests": info.get("tests"),
            },
        )
        return info

    build()


transform()
