"""bench.build_floor: the compiled models of a manifest run once by hand, in dependency order, as dbt
materialises them."""

from __future__ import annotations

import duckdb

from bench.build_floor import ROOT, build_order, profile_settings, run_floor


def _node(uid: str, kind: str, schema: str, materialized: str, depends: list[str], code: str = "",
          path: str = "") -> dict:
    return {"resource_type": kind, "name": uid.split(".")[-1], "alias": uid.split(".")[-1], "database": "outcomes",
            "schema": schema, "config": {"materialized": materialized, "column_types": {"code": "varchar"}},
            "depends_on": {"nodes": depends}, "compiled_code": code, "original_file_path": path}


def test_the_floor_builds_seeds_and_models_in_dependency_order_as_tables_and_views(tmp_path):
    """GIVEN a manifest listing a view on an incremental model on a seed (in the wrong order), and a test
    WHEN the floor runs it
    THEN the seed keeps its declared text codes ('007'), the incremental model is built whole as a table, the
    view holds the rows and is a view, and the test is not run."""
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "codes.csv").write_text("code,n\n007,1\n008,2\n")
    (tmp_path / "profiles.yml").write_text(
        "p:\n  target: t\n  outputs:\n    t:\n      type: duckdb\n      settings: {memory_limit: 1GB}\n")
    nodes = {
        "model.p.big": _node("model.p.big", "model", "marts", "view", ["model.p.doubled"],
                             'select * from "outcomes"."intermediate"."doubled" where n > 2'),
        "model.p.doubled": _node("model.p.doubled", "model", "intermediate", "incremental", ["seed.p.codes"],
                                 'select code, n * 2 as n from "outcomes"."reference"."codes"'),
        "seed.p.codes": _node("seed.p.codes", "seed", "reference", "seed", [], path="seeds/codes.csv"),
        "test.p.not_null": _node("test.p.not_null", "test", "tests", "test", ["model.p.big"], "select 1/0"),
    }
    assert [n["name"] for n in build_order({"nodes": nodes})] == ["codes", "doubled", "big"]
    (tmp_path / "manifest.json").write_text(__import__("json").dumps({"nodes": nodes}))

    result = run_floor(tmp_path / "manifest.json", tmp_path / "floor", project_dir=tmp_path)

    assert (result["models"], result["seeds"]) == (2, 1)
    with duckdb.connect(result["database"], read_only=True) as con:
        assert con.execute("select code, n from reference.codes order by code").fetchall() == [("007", 1), ("008", 2)]
        assert con.execute("select code, n from marts.big").fetchall() == [("008", 4)]
        kinds = dict(con.execute("select table_name, table_type from information_schema.tables").fetchall())
    assert kinds == {"codes": "BASE TABLE", "doubled": "BASE TABLE", "big": "VIEW"}


PYTHON_MODEL = '''
def model(dbt, session):
    frame = dbt.ref("doubled").df()
    frame["n"] = frame["n"] + int(dbt.config.get("step"))
    return frame


def ref(*args, dbt_load_df_function):
    return dbt_load_df_function({"doubled": '"outcomes"."intermediate"."doubled"'}[args[0]])


class config:
    @staticmethod
    def get(key, default=None):
        return {"step": 1}.get(key, default)


class dbtObj:
    def __init__(self, load_df_function) -> None:
        self.ref = lambda *args: ref(*args, dbt_load_df_function=load_df_function)
        self.config = config
'''


def test_the_floor_runs_a_python_model_as_dbt_duckdb_does(tmp_path):
    """GIVEN a manifest with a dbt Python model (its compiled code: model() plus dbt's ref and config helpers) on
    a table WHEN the floor runs it THEN the frame model() returns is written as a table."""
    (tmp_path / "profiles.yml").write_text("p:\n  target: t\n  outputs:\n    t:\n      type: duckdb\n")
    python = _node("model.p.plus_one", "model", "marts", "table", ["model.p.doubled"], PYTHON_MODEL, "plus_one.py")
    nodes = {"model.p.doubled": _node("model.p.doubled", "model", "intermediate", "table", [],
                                      "select 'a' as code, 2 as n"),
             "model.p.plus_one": {**python, "language": "python"}}
    (tmp_path / "manifest.json").write_text(__import__("json").dumps({"nodes": nodes}))

    result = run_floor(tmp_path / "manifest.json", tmp_path / "floor", project_dir=tmp_path)

    with duckdb.connect(result["database"], read_only=True) as con:
        assert con.execute("select code, n from marts.plus_one").fetchall() == [("a", 3)]


def test_the_floor_takes_the_projects_duckdb_settings_rendered_as_dbt_renders_them() -> None:
    """GIVEN the project's profiles.yml, whose memory limit is `{{ env_var('OUTCOMES_DUCKDB_MEMORY_LIMIT', '1GB') }}`
    THEN the floor's settings are its default without the variable and the variable's value with it."""
    assert profile_settings(ROOT / "dbt_project", environ={})["memory_limit"] == "1GB"
    settings = profile_settings(ROOT / "dbt_project", environ={"OUTCOMES_DUCKDB_MEMORY_LIMIT": "2GB"})
    assert settings["memory_limit"] == "2GB" and "{" not in "".join(settings.values())
