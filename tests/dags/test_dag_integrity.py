"""Tier 1: every DAG (including every generated ingest DAG) imports, is wired as designed, and parses fast."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from config.contracts import load_contracts
from config.settings import get_settings

DAGS = Path(__file__).resolve().parents[2] / "dags"

CONTRACTS = load_contracts(get_settings().contracts_dir)
EXPECTED = ({f"ingest__{c.feed_id}" for c in CONTRACTS} | {"transform", "publish", "late_feeds", "purge_archive"}
            | {f"pull__{c.feed_id}" for c in CONTRACTS if c.source.kind != "folder"})


def test_every_expected_dag_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == EXPECTED


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_dag_is_explicit_and_documented(dagbag, dag_id):
    from airflow.utils.dag_cycle_tester import check_cycle

    dag = dagbag.dags[dag_id]
    check_cycle(dag)  # raises on a cycle
    assert dag.tags, "tags"
    assert dag.doc_md and len(dag.doc_md) > 200, "doc_md shown in the UI"
    assert dag.catchup is False
    assert dag.start_date.tzinfo is not None, "timezone-aware start_date"
    assert 1 <= dag.max_active_runs <= 2
    for t in dag.tasks:
        assert t.owner == "data-engineering", t.task_id
        assert t.retries >= 1, t.task_id
        assert t.retry_exponential_backoff, t.task_id
        assert t.on_failure_callback, t.task_id


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.feed_id)
def test_ingest_dag_is_started_by_the_ready_marker_in_its_landing_folder(dagbag, contract):
    from airflow.providers.standard.triggers.file import DirectoryFileDeleteTrigger

    dag = dagbag.dags[f"ingest__{contract.feed_id}"]
    (asset,) = dag.timetable.asset_condition.objects
    assert asset.name == f"landing.{contract.feed_id}"
    (watcher,) = asset.watchers
    trigger = watcher.trigger
    assert isinstance(trigger, DirectoryFileDeleteTrigger)
    assert Path(trigger.directory) == get_settings().landing_dir / contract.organisation / contract.feed
    assert trigger.filename == "_READY"
    assert trigger.poke_interval <= 5


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.feed_id)
def test_ingest_dag_claims_then_maps_one_task_per_file_emitting_the_raw_asset(dagbag, contract):
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    dag = dagbag.dags[f"ingest__{contract.feed_id}"]
    claim, ingest = dag.get_task("claim"), dag.get_task("ingest")
    assert isinstance(ingest, MappedOperator), "one mapped task instance per delivered file"
    assert ingest.upstream_task_ids == {"claim"}
    assert [a.name for a in ingest.outlets] == [f"raw.{contract.feed_id}"]
    assert "path" in dag.params, "on-demand run for one file"
    assert claim.outlets == []
    assert contract.title in dag.doc_md


def test_transform_runs_on_any_raw_asset_in_the_one_slot_warehouse_pool(dagbag):
    from airflow.sdk import AssetAny

    dag = dagbag.dags["transform"]
    condition = dag.timetable.asset_condition
    assert isinstance(condition, AssetAny)
    assert {a.name for a in condition.objects} == {f"raw.{c.feed_id}" for c in CONTRACTS}
    assert dag.max_active_runs == 1, "a burst of deliveries is merged into the next run"
    build = dag.get_task("build")
    assert build.pool == "warehouse"
    assert [a.name for a in build.outlets] == ["marts"]
    # the writer goes first in the pool: ahead of every reader of the publish DAG, whatever their place in it
    publish = dagbag.dags["publish"]
    assert str(getattr(build.weight_rule, "value", build.weight_rule)) == "absolute"
    assert build.priority_weight > sum(t.priority_weight for t in publish.tasks)  # above any task's weight total


def test_publish_runs_on_marts_in_the_warehouse_pool_and_emits_publications(dagbag):
    dag = dagbag.dags["publish"]
    assert [a.name for a in dag.timetable.asset_condition.objects] == ["marts"]
    task = dag.get_task("publish_tables")
    assert task.pool == "warehouse"
    assert [a.name for a in task.outlets] == ["publications"]  # alias: publication.<table> events
    deliver = dag.get_task("deliver_to_partners")
    assert deliver.upstream_task_ids == {"publish_tables"} and deliver.pool == "warehouse"
    report = dag.get_task("build_report")  # reads the warehouse for dbt's docs: never beside a dbt build
    assert report.upstream_task_ids == {"publish_tables"} and report.pool == "warehouse"
    # both read the marts asset's newest event, to leave their work to a newer build's run (publish/followups.py),
    # and run whatever the gate decided (teardowns): a run that was left the work does it even when its own gate
    # refuses; the run's state stays the gate's (tests/dags/test_publish_dag_run.py)
    assert [a.name for a in deliver.inlets] == [a.name for a in report.inlets] == ["marts"]
    assert deliver.is_teardown and report.is_teardown and not task.is_teardown
    assert not deliver.on_failure_fail_dagrun and not report.on_failure_fail_dagrun
    # a newer build's publication goes ahead of the previous run's deliveries and report (one slot, by weight)
    assert dag.max_active_runs == 2
    # Airflow's default rule "downstream": a task's weight is its own plus its downstream tasks' (3 against 1, 1)
    assert {str(getattr(t.weight_rule, "value", t.weight_rule)) for t in dag.tasks} == {"downstream"}
    assert task.downstream_task_ids == {"deliver_to_partners", "build_report"}
    assert not deliver.downstream_task_ids and not report.downstream_task_ids


def test_publish_skips_the_report_while_nothing_it_shows_is_published(dagbag, tmp_path, monkeypatch):
    """GIVEN a working folder without a live measure_values publication WHEN the publish DAG's build_report task
    runs THEN it is skipped (not failed), saying why."""
    from airflow.sdk.exceptions import AirflowSkipException

    monkeypatch.setenv("OUTCOMES_WORK_DIR", str(tmp_path))
    with pytest.raises(AirflowSkipException, match="no live publication of measure_values"):
        dagbag.dags["publish"].get_task("build_report").python_callable()
    assert not (tmp_path / "report").exists()


def test_late_feed_check_runs_daily(dagbag):
    dag = dagbag.dags["late_feeds"]
    assert dag.timetable.expression == "0 7 * * *"
    assert str(dag.timetable.timezone) in {"Europe/London", "Timezone('Europe/London')"}


def test_archive_purge_runs_daily_at_night(dagbag):
    dag = dagbag.dags["purge_archive"]
    assert dag.timetable.expression == "30 2 * * *"
    assert str(dag.timetable.timezone) in {"Europe/London", "Timezone('Europe/London')"}
    assert [t.task_id for t in dag.tasks] == ["purge"]
    assert "OUTCOMES_ARCHIVE_RETENTION_DAYS" in dag.doc_md and "outcomes purge" in dag.doc_md


def _plan(dagbag, **context):
    """The build task's plan (dags/transform.py runs it inside ``build``, once the warehouse's slot is held)."""
    dag = dagbag.dags["transform"]
    assert dag.task_ids == ["build"], "planning is part of the build: no task between them"
    return dag.get_task("build").python_callable.__globals__["plan"](**context)  # the DAG file's module


class _Event:
    def __init__(self, extra):
        self.extra = extra


def _built_whole(settings):
    """The warehouse as a successful build of everything leaves it (its file and the build state)."""
    from transform.build_state import record_built

    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.warehouse_path.touch()
    record_built(settings, None, whole=True)


def test_transform_selects_what_is_downstream_of_the_sources_that_changed(dagbag, settings):
    """GIVEN a warehouse built whole, raw events for two feeds and an empty ledger WHEN planning THEN what is
    downstream of exactly those sources is selected."""
    from airflow.sdk import Asset

    _built_whole(settings)
    events = {
        Asset("raw.rwp_ecds"): [_Event({"batch_id": "b1"}), _Event({"batch_id": "b2"})],
        Asset("raw.r1a_mhsds"): [_Event({"batch_id": "b3"})],
    }
    planned = _plan(dagbag, params={}, triggering_asset_events=events)
    assert planned["select"] == ["source:raw.r1a_mhsds+", "source:raw.rwp_ecds+"]


def test_transform_builds_everything_on_a_warehouse_never_built_whole(dagbag, settings):
    """GIVEN a fresh warehouse WHEN planning on a feed's event THEN nothing is selected: everything is built (the
    reference models that the feed's tests read do not exist yet)."""
    from airflow.sdk import Asset

    planned = _plan(dagbag, params={}, triggering_asset_events={Asset("raw.rwp_ecds"): [_Event({"batch_id": "b"})]})
    assert planned["select"] is None


def test_transform_also_selects_feeds_loaded_since_the_last_build_without_an_event(dagbag, settings):
    """GIVEN a loaded batch in the ledger that no event announced (Airflow closed the run's event window)
    WHEN planning on another feed's event THEN both feeds are selected and the batch is listed."""
    from airflow.sdk import Asset

    from lake.ledger import write_entry

    _built_whole(settings)

    write_entry(settings, {"batch_id": "20250101T000000000000Z_aaaa", "feed_id": "rlq_ecds", "status": "loaded",
                           "sha256": "x", "file": "WVT_ECDS_202501.csv", "periods": ["2025-01-01"]})
    planned = _plan(dagbag, params={}, triggering_asset_events={Asset("raw.rwp_ecds"): [_Event({"batch_id": "b"})]})
    assert planned["select"] == ["source:raw.rlq_ecds+", "source:raw.rwp_ecds+"]
    assert planned["batches"] == ["20250101T000000000000Z_aaaa"] and planned["upto"] == planned["batches"][0]


def test_transform_builds_nothing_when_a_build_already_covered_every_batch(dagbag, settings):
    """GIVEN a warehouse built whole whose build state lists the batches it covered, and nothing loaded since
    WHEN planning on a feed's event (its batch was committed before that build froze the ledger) THEN there is
    nothing to build: the build task skips, and no `marts` event starts a publish run. Run by hand, it builds."""
    from airflow.sdk import Asset

    from transform.build_state import record_built

    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.warehouse_path.touch()
    record_built(settings, None, whole=True, batches=[])
    events = {Asset("raw.rwp_ecds"): [_Event({"batch_id": "b"})]}
    assert _plan(dagbag, params={}, triggering_asset_events=events)["nothing"] is True
    assert "nothing" not in _plan(dagbag, params={}, triggering_asset_events={})


def test_transform_run_by_hand_builds_everything_or_the_given_selection(dagbag, settings):
    assert _plan(dagbag, params={}, triggering_asset_events={}) == {"select": None, "batches": [], "upto": None}
    manual = _plan(dagbag, params={"select": ["marts"]}, triggering_asset_events={})
    assert manual["select"] == ["marts"]


def test_a_new_contract_adds_its_dag_without_new_code(tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    source = (get_settings().contracts_dir / "rwp_ecds.yaml").read_text()
    (tmp_path / "rwp_ecds.yaml").write_text(source)
    (tmp_path / "tst_ecds.yaml").write_text(
        source.replace("organisation: RWP", "organisation: TST").replace("RWP_ECDS_*", "TST_ECDS_*")
    )
    (tmp_path / "reference").symlink_to(get_settings().contracts_dir / "reference")
    monkeypatch.setenv("OUTCOMES_CONTRACTS_DIR", str(tmp_path))
    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    assert {"ingest__tst_ecds", "ingest__rwp_ecds"} == {d for d in bag.dag_ids if d.startswith("ingest__")}
    raw = {a.name for a in bag.dags["transform"].timetable.asset_condition.objects}
    assert raw == {"raw.tst_ecds", "raw.rwp_ecds"}


PARSE_PROBE = """
import importlib.util, json, sys, time
import airflow.sdk  # the Airflow import itself (about 1 s) is paid once per parser process, not per file
path = sys.argv[1]
start = time.perf_counter()
spec = importlib.util.spec_from_file_location("probe_dag", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


@pytest.mark.parametrize("path", sorted(DAGS.glob("*.py")), ids=lambda p: p.name)
def test_each_dag_file_parses_in_well_under_a_second(path):
    out = subprocess.run(
        [sys.executable, "-c", PARSE_PROBE, str(path)], capture_output=True, text=True, timeout=120, check=True
    )
    seconds = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
    assert seconds < 1.0, f"{path.name} took {seconds:.2f}s to parse"
