"""Publish: quality gate, then an atomic promote to a new publication version, per partner table.

The file is not called publish.py on purpose: Airflow puts dags/ on sys.path, and a module named
``publish`` there would shadow the project package ``publish`` that the task imports.

Scheduled on the ``marts`` asset. Emits one ``publication.<table>`` asset event per table (through the alias
``publications``, since the tables are known only at run time), carrying the version and row count.
"""

from __future__ import annotations

from airflow.sdk import Asset, AssetAlias, Param, dag, task

from config import names
from outcomes.dag_defaults import START_DATE, default_args

MARTS = Asset(name=names.MARTS_ASSET, group=names.MARTS_GROUP)
PUBLICATIONS = AssetAlias(name=names.PUBLICATIONS_ALIAS)

DOC = """\
# Publishes the partner tables: quality gate, then a new version of each table that passes

**Runs when** `transform` emits the `marts` asset (or on demand; `{"tables": ["..."]}` limits it).

**Does** build each candidate partner table (disclosure control applied last), run its generated Great
Expectations suites (schema, keys, plausibility, disclosure, completeness against the ledger, drift against the
live version), and only if they pass promote it atomically to a new version under `publications/<table>/vNNNN/`.
A failed gate fails this task at once (no retry: it is a data problem) with every failed expectation in the log,
leaves the previous version live, keeps the candidate in `publications/<table>/_rejected/` and raises an alert;
the results are in the Data Docs (`<work>/gx/uncommitted/data_docs/local_site/index.html`). Reads the
warehouse, so it runs in the pool `warehouse` (one slot) and never meets a
running dbt build.

**Emits** `publication.<table>` asset events (via the alias `publications`) with version, status, rows and
path. Without Airflow: `outcomes publish`.

**Then delivers** to every partner what its data-sharing agreement allows (`agreements/<partner>.yaml`): a new
delivery version per partner whose allowed rows changed; a partner whose agreement is missing or expired gets
nothing, and the task log says why (docs/partners.md). Without Airflow: `outcomes deliver`.

**Then reports**: the outcomes report, a static site built from the live publications, at
`<work>/report/index.html`, with dbt's docs site rebuilt when the dbt project changed (docs/report.md).
Without Airflow: `outcomes report --dbt-docs`.

**Leaves both to the next run** when a newer build's `marts` event follows this run's: that run's deliveries and
report use what is live then, so this run's would be done again at once (never for a manual run, and never held back
longer than 15 minutes; `publish/followups.py`). Both run whatever the gate decided (teardowns of
`publish_tables`: what they use is live, so gate-passed), so a run that was left the work does it even when its own
gate refuses. The run's state comes from the gate; a failed delivery or report raises its own alert.
"""


@dag(
    dag_id=names.PUBLISH_DAG,
    description="Quality gate and versioned publication of the partner tables",
    schedule=[MARTS],
    start_date=START_DATE,
    catchup=False,
    # two: a newer build's publish_tables (weight 3 in the one-slot warehouse pool) goes ahead of the previous
    # run's deliveries and report (weight 1 each), which then deliver and report the newer live versions
    max_active_runs=2,
    tags=names.dag_tags("publish"),
    default_args=default_args(),
    doc_md=DOC,
    params={"tables": Param(None, type=["null", "array"], description="publish only these tables")},
)
def publish():
    @task(pool="warehouse", outlets=[PUBLICATIONS])
    def publish_tables(params=None, triggering_asset_events=None):
        """Gate and promote every partner table; one asset event per published table."""
        from outcomes import publish_tasks

        events, summary = publish_tasks.publish_tables(MARTS, PUBLICATIONS, params, triggering_asset_events)
        yield from events
        return summary

    @task(pool="warehouse", inlets=[MARTS])
    def deliver_to_partners(triggering_asset_events=None, inlet_events=None, dag_run=None):
        """Each partner's delivery from the live publications; left to a newer run (publish.followups)."""
        from outcomes import publish_tasks
        from publish.followups import run_followup

        return run_followup("deliver_to_partners", publish_tasks.deliver_to_partners, MARTS,
                            triggering_asset_events, inlet_events, dag_run)

    @task(pool="warehouse", inlets=[MARTS])
    def build_report(triggering_asset_events=None, inlet_events=None, dag_run=None):
        """The outcomes report from the live publications; left to a newer run (publish.followups)."""
        from outcomes import publish_tasks
        from publish.followups import run_followup

        return run_followup("build_report", publish_tasks.build_report, MARTS, triggering_asset_events, inlet_events,
                            dag_run)

    # teardowns: they run whatever the gate decided (what they use is the live, gate-passed publications), so a run
    # whose follow-ups were left to it still delivers and reports when its own gate refuses (publish.followups).
    # The run's state comes from publish_tables (a teardown that failed the run too would make a refused gate's
    # run succeed: tests/dags/test_publish_dag_run.py); a follow-up that fails is red in the grid and alerts
    published = publish_tables()
    published >> deliver_to_partners().as_teardown()
    published >> build_report().as_teardown()


publish()
