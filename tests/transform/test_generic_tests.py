"""The project's own generic dbt tests (dbt_project/macros/test_*.sql), run by dbt on a throwaway project that
holds only those macros (and the lake's, macros/lake.sql), small models with known nulls and duplicates, and a lake
folder of raw batches."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

MACROS = Path(__file__).resolve().parents[2] / "dbt_project" / "macros"
DBT = Path(sys.executable).with_name("dbt")

MODEL = """
select * from (values
    (1, 'a', 'x', 10, 'r1'),
    (2, null, 'y', 10, 'r2'),
    (3, null, null, 20, 'r3'),
    (3, 'd', 'z', 20, 'r4')
) as t(id, first_name, code, amount, row_key)
"""

TESTS = """
version: 2
models:
  - name: people
    data_tests:
      - not_null_columns: {arguments: {columns: [id, amount]}, name: nn_clean}
      - not_null_columns: {arguments: {columns: [id, first_name, code]}, name: nn_with_nulls}
      - unique_combination: {arguments: {columns: [id, code]}, name: uc_clean}
      - unique_combination: {arguments: {columns: [id]}, name: uc_repeated}
    columns:
      - name: row_key
        data_tests: [{primary_key: {name: pk_clean}}]
      - name: id
        data_tests: [{primary_key: {name: pk_repeated}}]
      - name: code
        data_tests: [{primary_key: {name: pk_one_null}}]
      - name: first_name
        data_tests: [{primary_key: {name: pk_two_nulls}}]
  - name: latest_people
    data_tests:
      - not_null_columns: {arguments: {columns: [id]}, name: nn_window_clean}
      - not_null_columns: {arguments: {columns: [code, id]}, name: nn_window_with_null}
  - name: lake__deliveries
    data_tests:
      - lake_keys_not_null: {arguments: {feed: deliveries, columns: [id]}, name: lk_clean}
      - lake_keys_not_null: {arguments: {feed: deliveries, columns: [code, id]}, name: lk_null_in_raw}
  - name: lake__pending
    data_tests:
      - lake_keys_not_null: {arguments: {feed: pending, columns: [id]}, name: lk_pending}
"""

# the raw batches of feed `deliveries`: one row lacks its code, a row its lake view leaves out (as a view leaves out
# a superseded delivery's rows); feed `pending` has delivered nothing, and its view (which a real build makes empty)
# holds a null key, so a check of the view is seen to be one
SOURCES = """
version: 2
sources:
  - name: raw
    config:
      external_location: "read_parquet('{lake}/raw/{{name}}/*/*.parquet')"
    tables:
      - name: deliveries
      - name: pending
"""
RAW_ROWS = "select * from (values (1, 'a'), (2, null)) as t(id, code)"
LAKE_VIEWS = {"lake__deliveries": "select * from {{ source('raw', 'deliveries') }} where code is not null\n",
              "lake__pending": "select cast(null as integer) as id, cast(null as varchar) as code\n"}

# a lake view's shape: the latest row of each key, the key possibly null (the null key is one key); the rows are
# its own (a model reading `people` would be skipped, as the failing tests of `people` precede it in a build)
LATEST = MODEL + "qualify row_number() over (partition by code order by row_key desc) = 1\n"


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, dict]:
    """GIVEN a project with the real macros and the model above WHEN `dbt build` runs THEN its tests' results,
    by test name."""
    root = tmp_path_factory.mktemp("generic_tests")
    for folder in ("models", "macros"):
        (root / folder).mkdir()
    for macro in [*MACROS.glob("test_*.sql"), MACROS / "lake.sql"]:
        shutil.copy(macro, root / "macros" / macro.name)
    lake = root / "lake"
    for folder in ("raw/deliveries/batch_1", "ledger"):
        (lake / folder).mkdir(parents=True)
    (lake / "ledger" / "batch_1.json").write_text("{}", encoding="utf-8")
    duckdb.sql(f"copy ({RAW_ROWS}) to '{lake / 'raw/deliveries/batch_1/part-0.parquet'}' (format parquet)")
    (root / "models" / "people.sql").write_text(MODEL, encoding="utf-8")
    (root / "models" / "people.yml").write_text(TESTS, encoding="utf-8")
    (root / "models" / "latest_people.sql").write_text(LATEST, encoding="utf-8")
    (root / "models" / "sources.yml").write_text(SOURCES.format(lake=lake), encoding="utf-8")
    for name, sql in LAKE_VIEWS.items():
        (root / "models" / f"{name}.sql").write_text(sql, encoding="utf-8")
    (root / "dbt_project.yml").write_text(
        "name: generic_tests\nversion: '1.0'\nprofile: generic_tests\nmodel-paths: [models]\n"
        f"macro-paths: [macros]\nvars: {{lake_dir: '{lake}'}}\n", encoding="utf-8")
    (root / "profiles.yml").write_text(
        f"generic_tests:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: '{root / 'test.duckdb'}'\n      threads: 1\n", encoding="utf-8")
    proc = subprocess.run([str(DBT), "build", "--project-dir", str(root), "--profiles-dir", str(root)],
                          cwd=root, capture_output=True, text=True, check=False)
    run = json.loads((root / "target" / "run_results.json").read_text(encoding="utf-8"))
    found = {r["unique_id"].split(".")[2]: r for r in run["results"] if r["unique_id"].startswith("test.")}
    assert len(found) == 13, proc.stdout[-3000:]
    return found


def test_not_null_columns_passes_when_no_column_has_a_null(results) -> None:
    assert results["nn_clean"]["status"] == "pass"


def test_not_null_columns_counts_every_null_of_every_column(results) -> None:
    # THEN it fails with the nulls of all its columns counted: first_name 2 and code 1
    assert (results["nn_with_nulls"]["status"], results["nn_with_nulls"]["failures"]) == ("fail", 3)


def test_not_null_columns_finds_a_null_key_beneath_a_window_over_that_key(results) -> None:
    # GIVEN a view keeping the latest row of each code (a lake view's shape), the null code one of its keys
    # THEN the check of id passes, and the check of code and id fails with the one row whose code is null: the
    # condition DuckDB moves beneath the window finds the same nulls as the window's output holds
    assert results["nn_window_clean"]["status"] == "pass"
    assert (results["nn_window_with_null"]["status"], results["nn_window_with_null"]["failures"]) == ("fail", 1)


def test_unique_combination_passes_on_a_unique_combination(results) -> None:
    assert results["uc_clean"]["status"] == "pass"


def test_unique_combination_fails_on_a_repeated_key(results) -> None:
    assert (results["uc_repeated"]["status"], results["uc_repeated"]["failures"]) == ("fail", 1)


def test_primary_key_passes_on_a_key_every_row_holds_alone(results) -> None:
    assert results["pk_clean"]["status"] == "pass"


def test_primary_key_fails_on_a_key_two_rows_hold(results) -> None:
    # THEN one failure: id 3, held by two rows
    assert (results["pk_repeated"]["status"], results["pk_repeated"]["failures"]) == ("fail", 1)


def test_primary_key_fails_on_a_row_without_a_key(results) -> None:
    # THEN one failure each: the null key (code's one null; first_name's two nulls, its values otherwise distinct)
    assert (results["pk_one_null"]["status"], results["pk_one_null"]["failures"]) == ("fail", 1)
    assert (results["pk_two_nulls"]["status"], results["pk_two_nulls"]["failures"]) == ("fail", 1)


def test_lake_keys_not_null_passes_when_every_delivered_row_has_its_key(results) -> None:
    assert results["lk_clean"]["status"] == "pass"


def test_lake_keys_not_null_counts_a_null_key_in_the_raw_batches(results) -> None:
    # GIVEN a delivered row without its code, a row the lake view does not hold
    # THEN the check of code and id fails with that row: it counts every delivered row, not the view's
    assert (results["lk_null_in_raw"]["status"], results["lk_null_in_raw"]["failures"]) == ("fail", 1)


def test_lake_keys_not_null_checks_the_view_of_a_feed_not_yet_delivered(results) -> None:
    # GIVEN a feed with no raw batch, whose view holds a row without its key THEN that row fails the check
    assert (results["lk_pending"]["status"], results["lk_pending"]["failures"]) == ("fail", 1)
