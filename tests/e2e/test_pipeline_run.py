"""End to end without a scheduler: synthetic ECDS -> landing -> ingest -> dbt -> quality gate -> publication.

The expected numbers are computed here, independently, from the synthetic CSV rows with pandas and the IMD file,
and compared with what the pipeline published.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from outcomes.pipeline import run_once
from synth import SynthConfig, generate
from tests.dbt_models import documented

pytestmark = [pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
IMD = REPO / "reference/geography/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
# A run that builds and publishes the four-hour table's lineage, not the whole project (about 13 s less processor
# time on these files), for the tests whose subject is that table. A run of the whole project is tested by the first
# test below and the measures' end-to-end tests; a whole rebuild publishing every table 'unchanged' by
# tests/e2e/test_scheduler.py (test_manual_transform_rerun_gives_the_same_publication).
FOUR_HOUR_LINEAGE = {"select": ["+ed_four_hour_performance"], "tables": ["ed_four_hour_performance"]}


def expected_four_hour(files: list[Path]) -> pd.DataFrame:
    """4-hour performance by month and national IMD quintile, computed from the delivered rows themselves (the
    percentage from the counts rounded to 5, as nhs_standard publishes it)."""
    rows = pd.concat([pd.read_csv(f, dtype=str) for f in files])
    imd = pd.read_csv(IMD, dtype=str, encoding="utf-8-sig")
    decile = imd.set_index("LSOA code (2011)")["Index of Multiple Deprivation (IMD) Decile"].astype(int)
    rows["quintile"] = ((rows["lsoa_code"].map(decile) + 1) // 2).astype("Int64").astype(str)
    arrived = pd.to_datetime(rows["arrival_datetime"])
    seconds = (pd.to_datetime(rows["departure_datetime"]) - arrived).dt.total_seconds()
    rows["within"] = seconds <= 4 * 60 * 60
    rows["month"] = arrived.dt.strftime("%Y-%m-01")
    out = rows.groupby(["month", "quintile"]).agg(attendances=("within", "size"), within=("within", "sum"))
    rounded = {c: 5 * ((out[c] * 2 + 5) // 10) for c in ("within", "attendances")}  # nhs_standard: to 5
    out["pct"] = 100 * rounded["within"] / rounded["attendances"]  # from the published (rounded) counts
    return out


def published(settings, table: str = "ed_four_hour_performance") -> tuple[pd.DataFrame, dict]:
    root = settings.publications_dir / table
    version = (root / "LATEST").read_text().strip()
    frame = pd.read_csv(root / version / f"{table}.csv", dtype={"imd_quintile": str})
    return frame.set_index(["month", "imd_quintile"]), json.loads((root / version / "manifest.json").read_text())


def drop_into_landing(files: list[Path], settings) -> None:
    landing = settings.landing_dir / "RWP" / "ecds"
    landing.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy(f, landing / f.name)


@pytest.fixture(scope="module")
def ecds_files(tmp_path_factory) -> list[Path]:
    """Two clean synthetic months of RWP ECDS, generated once for the module (the tests only read them)."""
    out = tmp_path_factory.mktemp("synth")
    generate(SynthConfig(out_dir=out, population=40_000, months=2, start="2025-04", clean=True, seed=7,
                         feeds=["rwp_ecds"], reference_dir=REPO / "reference"))
    return sorted((out / "RWP" / "ecds").glob("*.csv"))


@pytest.fixture
def synthetic_ecds(settings, monkeypatch, ecds_files) -> list[Path]:
    """The module's ECDS files, for a test with its own working folder that allows the test NHS Numbers."""
    monkeypatch.setenv("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", "1")
    return ecds_files


def test_published_four_hour_percentage_equals_value_computed_from_the_rows(settings, synthetic_ecds):
    """GIVEN two clean synthetic months of RWP ECDS in the landing folder
    WHEN the whole pipeline runs once
    THEN for every month and quintile the published percentage equals the one computed here from the rows'
    counts rounded to 5 (to the published 1 decimal place), and the published counts are the true counts
    rounded to 5."""
    from config.settings import get_settings

    settings = get_settings()
    drop_into_landing(synthetic_ecds, settings)

    summary = run_once(settings=settings)

    assert not summary.refused and len(summary.loaded) == 2
    expected = expected_four_hour(synthetic_ecds)
    frame, manifest = published(settings)
    assert manifest["gate"]["success"] and manifest["rows"] == len(expected)
    for (month, quintile), exp in expected.iterrows():
        got = frame.loc[(month, quintile)]
        assert got["pct_within_four_hours"] == round(exp["pct"], 1), (month, quintile)
        assert got["attendances"] == 5 * round(exp["attendances"] / 5)
    # one spot value in words: April 2025, most deprived quintile
    april_q1 = expected.loc[("2025-04-01", "1")]
    assert frame.loc[("2025-04-01", "1"), "pct_within_four_hours"] == round(april_q1["pct"], 1)


def test_resubmission_supersedes_its_month_and_rerun_changes_nothing(settings, synthetic_ecds, tmp_path):
    """GIVEN a loaded April file WHEN a corrected April file (other bytes) arrives THEN the publication reflects
    only the correction; AND WHEN everything is delivered again THEN no new publication version is made."""
    from config.settings import get_settings

    settings = get_settings()
    april = next(f for f in synthetic_ecds if "2025-04" in f.name)
    run_once(paths=[april], settings=settings, **FOUR_HOUR_LINEAGE)
    corrected = tmp_path / "RWP_ECDS_2025-04_v2.csv"
    rows = pd.read_csv(april, dtype=str)
    rows = rows.iloc[: len(rows) // 2]  # the trust resends April with half the rows
    rows.to_csv(corrected, index=False)

    run_once(paths=[corrected], settings=settings, **FOUR_HOUR_LINEAGE)
    frame, manifest = published(settings)
    expected = expected_four_hour([corrected])
    assert manifest["version"] == "v0002"
    for (month, quintile), exp in expected.iterrows():
        assert frame.loc[(month, quintile), "pct_within_four_hours"] == round(exp["pct"], 1)

    again = run_once(paths=[april, corrected], settings=settings, **FOUR_HOUR_LINEAGE)
    assert [d["status"] for d in again.duplicates] == ["duplicate", "duplicate"]
    assert {p["table"]: p["status"] for p in again.publications} == {"ed_four_hour_performance": "unchanged"}


def _nodes_built(settings) -> set[str]:
    """The models and tests of the last dbt build (its run_results.json)."""
    from transform.build import results_path

    return {r["unique_id"].split(".")[2] for r in json.loads(results_path(settings).read_text())["results"]}


def _four_hour_counts(settings) -> pd.DataFrame:
    """The warehouse's 4-hour counts by month and quintile (before any rounding for publication)."""
    import duckdb

    with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
        frame = con.sql("select strftime(month, '%Y-%m-01') as month, imd_quintile as quintile, "
                        "sum(attendances) as attendances, sum(within_four_hours) as within_four_hours "
                        "from marts.ed_four_hour_performance group by all").df()
    return frame.set_index(["month", "quintile"])


def test_build_watermark_selects_every_feed_loaded_since_the_last_build(settings, synthetic_ecds, capfd):
    """GIVEN a built warehouse WHEN a new batch loads THEN pending_changes names its feed and batch (whatever the
    Airflow events said), AND after a build covering it nothing is pending. The selective build streams dbt's own
    lines (as the transform task's log shows them: one per model and test, no colour codes), and a selection that
    matches nothing fails."""
    from config.settings import get_settings
    from ingest.load import ingest_file
    from transform.build import build, results_path
    from transform.build_state import pending_changes

    settings = get_settings()
    april, may = synthetic_ecds[0], synthetic_ecds[1]
    first = ingest_file(april, settings=settings)
    assert pending_changes(settings).batches == [first.batch_id]
    build(settings=settings)
    assert pending_changes(settings).feeds == []

    second = ingest_file(may, settings=settings)
    pending = pending_changes(settings)
    assert (pending.feeds, pending.batches, pending.selection()) == (
        ["rwp_ecds"], [second.batch_id], ["source:raw.rwp_ecds+"])
    capfd.readouterr()
    build(select=pending.selection(), settings=settings, upto=pending.upto, stream=True)
    streamed = capfd.readouterr().out
    assert pending_changes(settings).batches == []
    assert " OK created sql " in streamed and " PASS " in streamed and "\x1b[" not in streamed
    built = _nodes_built(settings)
    assert {"stg_rwp__ecds_attendances", "int_ed_attendances_unioned", "int_measure_records_unioned",
            "measure_values"} <= built  # what is downstream of the feed, down to the marts that union measures
    assert not built & {"stg_rlq__ecds_attendances", "stg_qgh__gp_registrations", "lake__rlq_ecds",
                        "lsoa_deprivation"}  # other feeds' models and the reference data
    assert any(node.startswith("relationships_") for node in built)  # tests reading reference models run too
    # the superseded keys are counted again for the selected feed only; every feed keeps its row
    counted = next(settings.work_dir.glob("dbt/target/compiled/**/lake__superseded_keys.sql")).read_text()
    assert "'rwp_ecds' as feed_id" in counted and "'rlq_ecds' as feed_id" not in counted
    import duckdb

    from config.contracts import load_contracts

    with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
        feeds = {r[0] for r in con.execute("select feed_id from lake.superseded_keys").fetchall()}
    assert feeds == {c.feed_id for c in load_contracts(settings.contracts_dir)}
    kinds = {r["unique_id"].split(".")[0] for r in json.loads(results_path(settings).read_text())["results"]}
    # dbt's unit tests run in the test suite, not at a pipeline build; the operation is the docs' hook
    assert kinds == {"model", "test", "operation"}
    # each model the build replaced (a table) or appended to (an incremental model) carries its description and its
    # columns' as comments, for analysts (dbt_project/macros/persist_docs.sql)
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
        for model in ("ed_four_hour_performance", "int_measure_records_enriched"):
            comments = dict(con.execute("select column_name, comment from duckdb_columns() where table_name = ? "
                                        "and comment is not null union all select '', comment from duckdb_tables() "
                                        "where table_name = ?", [model, model]).fetchall())
            assert {k: v.strip() for k, v in comments.items()} == documented(model), model
    expected = expected_four_hour([april, may])  # the downstream mart holds both months, from the rows themselves
    got = _four_hour_counts(settings)
    assert got["attendances"].to_dict() == expected["attendances"].to_dict()
    assert got["within_four_hours"].to_dict() == expected["within"].to_dict()

    from transform.build import BuildFailed  # a selection that matches nothing is an error, not "0 models passed"

    with pytest.raises(BuildFailed, match="the selection nosuchmodel matches no model or test"):
        build(select=["nosuchmodel"], settings=settings)


def test_a_selective_build_leaves_every_table_as_a_build_of_everything_would(settings, synthetic_ecds, tmp_path):
    """GIVEN a warehouse built whole from two months of RWP ECDS, both trusts' APC and the GP register
    WHEN the trust resends May's ECDS with half its rows, a day earlier for some of them, and a build selects what
    is downstream of the feed (the incremental models then change only part of themselves: the person spine looks
    up the new pairs among the ED measures' records only and removes the withdrawn rows' pairs, the superseded keys
    count the one feed again, the enriched records replace the ED measures' rows and keep the APC measures')
    THEN every table of the warehouse equals, row for row, the one a build of everything gives afterwards."""
    from config.settings import get_settings
    from ingest.load import ingest_file
    from tests.e2e.observe import tables
    from transform.build import build
    from transform.build_state import pending_changes

    settings = get_settings()
    others = tmp_path / "others"
    generate(SynthConfig(out_dir=others, population=40_000, months=2, start="2025-04", clean=True, seed=7,
                         feeds=["rwp_apc", "rlq_apc", "qgh_gp_list"], reference_dir=REPO / "reference"))
    april, may = synthetic_ecds[0], synthetic_ecds[1]
    for path in (*sorted(others.rglob("*.csv")), april, may):
        ingest_file(path, settings=settings)
    build(settings=settings)
    spine_before = len(tables(settings.snapshot_path)["intermediate.int_event_people"])

    corrected = tmp_path / "RWP_ECDS_2025-05_v2.csv"
    rows = pd.read_csv(may, dtype=str)
    rows = rows.iloc[: len(rows) // 2].copy()
    moved = rows["arrival_datetime"].str[8:10].between("02", "28") & (rows.index % 5 == 0)  # new pairs, same month
    for column in ("arrival_datetime", "departure_datetime"):
        rows.loc[moved, column] = (pd.to_datetime(rows.loc[moved, column]) - pd.Timedelta(days=1)).dt.strftime(
            "%Y-%m-%d %H:%M:%S")
    rows.to_csv(corrected, index=False)
    ingest_file(corrected, settings=settings)
    pending = pending_changes(settings)
    assert pending.selection() == ["source:raw.rwp_ecds+"]
    build(select=pending.selection(), settings=settings, upto=pending.upto)
    selective = tables(settings.snapshot_path)
    assert len(selective["intermediate.int_event_people"]) < spine_before  # withdrawn rows' pairs went
    compiled = settings.work_dir / "dbt" / "target" / "compiled"
    for model in ("int_measure_records_enriched", "int_event_people"):
        sql = next(compiled.rglob(f"{model}.sql")).read_text()
        assert "'ed_4h_all_types'" in sql and "emergency_admission" not in sql, f"{model} not built by measure"
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
        measures = {m for (m,) in con.sql("select distinct measure_id from intermediate.int_measure_records_enriched")
                    .fetchall()}
    assert {"ed_4h_all_types", "emergency_admission_rate_dsr"} <= measures  # rows replaced, and rows kept

    build(settings=settings)  # everything, whole (--full-refresh)
    whole = tables(settings.snapshot_path)
    assert selective.keys() == whole.keys()
    assert [name for name in whole if selective[name] != whole[name]] == []


def test_the_snapshot_is_copied_beside_the_publication_and_a_failed_copy_fails_the_run(settings, synthetic_ecds,
                                                                                       monkeypatch):
    """GIVEN a run, whose analysts' snapshot is copied while it publishes WHEN it ends THEN the snapshot is the
    warehouse byte for byte; AND WHEN the next run's copy fails (a full disk) THEN that run fails with the copy's
    error once it has published, and the snapshot left is the earlier one, whole."""
    import errno

    from config.settings import get_settings
    from transform import build as transform_build

    settings = get_settings()  # with the test NHS Numbers the synthetic files carry allowed (synthetic_ecds)
    april, may = synthetic_ecds
    run_once(paths=[april], settings=settings, **FOUR_HOUR_LINEAGE)
    first = settings.snapshot_path.read_bytes()
    assert first == settings.warehouse_path.read_bytes()

    def disk_full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(transform_build, "copy_file", disk_full)
    with pytest.raises(OSError, match="No space left on device"):
        run_once(paths=[may], settings=settings, **FOUR_HOUR_LINEAGE)

    assert published(settings)[1]["version"] == "v0002"  # May published before the copy's failure was raised
    assert settings.snapshot_path.read_bytes() == first
