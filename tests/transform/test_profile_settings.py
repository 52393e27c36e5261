"""The project's dbt profile (dbt_project/profiles.yml) gives DuckDB its buffer and insertion order for every node
of a build: dbt run on a throwaway project with the real profile and two models that record DuckDB's settings as
their queries see them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

PROFILE = Path(__file__).resolve().parents[2] / "dbt_project" / "profiles.yml"
DBT = Path(sys.executable).with_name("dbt")

SEEN = ("select current_setting('memory_limit') as memory_limit, "
        "current_setting('preserve_insertion_order') as preserve_insertion_order")


@pytest.fixture(scope="module")
def seen(tmp_path_factory) -> list[tuple]:
    """GIVEN the project's profiles.yml and OUTCOMES_DUCKDB_MEMORY_LIMIT=300MB WHEN `dbt build` builds two models
    on two threads THEN the settings each model's query saw."""
    root = tmp_path_factory.mktemp("profile")
    (root / "models").mkdir()
    for name in ("first_node", "second_node"):
        (root / "models" / f"{name}.sql").write_text(
            f"{{{{ config(materialized='table') }}}}\nselect '{name}' as node, * from ({SEEN})", encoding="utf-8")
    (root / "dbt_project.yml").write_text(
        "name: profile_check\nversion: '1.0'\nprofile: outcomes\nmodel-paths: [models]\n", encoding="utf-8")
    shutil.copy(PROFILE, root / "profiles.yml")
    warehouse = root / "warehouse.duckdb"
    env = {**os.environ, "OUTCOMES_WAREHOUSE_PATH": str(warehouse), "OUTCOMES_DUCKDB_MEMORY_LIMIT": "300MB",
           "OUTCOMES_DBT_THREADS": "2", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    proc = subprocess.run([str(DBT), "build", "--project-dir", str(root), "--profiles-dir", str(root)],
                          cwd=root, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select * from first_node union all select * from second_node order by node").fetchall()


def test_every_node_runs_within_the_memory_limit_the_environment_gives(seen) -> None:
    # 300MB is 286.1 MiB, as DuckDB shows it
    assert [(node, limit) for node, limit, _ in seen] == [("first_node", "286.1 MiB"), ("second_node", "286.1 MiB")]


def test_every_node_runs_without_preserving_insertion_order(seen) -> None:
    assert [order for _, _, order in seen] == [False, False]


def test_the_settings_are_given_once_when_the_warehouse_opens_not_set_again_on_every_node() -> None:
    """GIVEN the profile THEN the memory limit and the insertion order are config_options (given to
    duckdb.connect), not settings: dbt-duckdb sends each of its settings as a SET on the cursor of every node, and
    a SET of the memory limit waits on the buffer pool while the other thread's query runs."""
    profile = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))["outcomes"]
    target = profile["outputs"][profile["target"]]
    assert {"memory_limit", "preserve_insertion_order"} <= set(target["config_options"])
    assert not {"memory_limit", "preserve_insertion_order"} & set(target.get("settings") or {})
