"""The build's floor: every model's SQL, as dbt compiled it, run once by hand in one DuckDB connection, in
dependency order (a Python model's compiled code called as dbt-duckdb calls it), with no dbt (no parsing, no
per-node connections, no contracts, no tests, no docs).

    python bench/build_floor.py MANIFEST DATABASE_DIR

MANIFEST is the ``manifest.json`` of a ``dbt build`` or ``dbt compile`` of the same project and lake (so every
model has its compiled code); the floor writes ``DATABASE_DIR/<database>.duckdb`` (the database name the
compiled SQL uses), creating each model as dbt materialises it (table or view) and each seed from its CSV with
its declared column types, under the profile's DuckDB settings. What the build costs above this is dbt's
orchestration and the tests.
"""

from __future__ import annotations

import json
import os
import sys
from graphlib import TopologicalSorter
from pathlib import Path

import jinja2
import yaml

ROOT = Path(__file__).resolve().parent.parent


def build_order(manifest: dict) -> list[dict]:
    """Seeds and models (not tests), each after everything it depends on."""
    nodes = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] in ("model", "seed")}
    graph = {uid: [d for d in node.get("depends_on", {}).get("nodes", []) if d in nodes]
             for uid, node in nodes.items()}
    return [nodes[uid] for uid in TopologicalSorter(graph).static_order()]


def statement(node: dict, project_dir: Path) -> str:
    """The one statement that creates ``node`` as dbt would: a seed from its CSV, a model from its compiled SQL."""
    relation = f'"{node["schema"]}"."{node["alias"]}"'
    if node["resource_type"] == "seed":
        types = node["config"].get("column_types") or {}
        spec = ", ".join(f"'{k}': '{v}'" for k, v in types.items())
        path = project_dir / node["original_file_path"]
        return (f"create or replace table {relation} as select * from read_csv('{path}', header=true"
                + (f", types={{{spec}}}" if spec else "") + ")")
    materialized = node["config"]["materialized"]
    if materialized == "incremental":  # the floor builds everything once: an incremental model whole, a table
        materialized = "table"
    if materialized not in ("table", "view"):
        raise ValueError(f"model {node['name']}: materialization {materialized!r} has no floor statement")
    code = node.get("compiled_code")
    if not code:
        raise ValueError(f"model {node['name']} has no compiled SQL in the manifest: run dbt compile or build first")
    return f"create or replace {materialized} {relation} as (\n{code}\n)"


def run_python_model(con, node: dict) -> None:
    """A dbt Python model as dbt-duckdb runs it: its compiled code's ``model(dbt, session)`` with refs read from
    the connection, the frame it returns written as a table."""
    if node["config"]["materialized"] != "table":
        raise ValueError(f"model {node['name']}: a Python model's floor writes a table only")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # the model imports the project's own packages (stats)
    namespace: dict = {}
    exec(compile(node["compiled_code"], node["original_file_path"], "exec"), namespace)  # noqa: S102
    frame = namespace["model"](namespace["dbtObj"](con.table), con)
    con.register("_python_model_frame", frame)
    con.execute(f'create or replace table "{node["schema"]}"."{node["alias"]}" as select * from _python_model_frame')
    con.unregister("_python_model_frame")


def profile_settings(project_dir: Path, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The DuckDB settings of the project's default profile target (profiles.yml: its ``config_options``, given when
    the warehouse is opened, and its ``settings``, set on each cursor), applied to the floor too, each rendered as
    dbt renders it: ``{{ env_var('NAME', 'default') }}`` takes the variable from ``environ`` (this process's
    environment by default) or its default."""
    environ = os.environ if environ is None else environ

    def env_var(name: str, default: str | None = None) -> str:
        if name in environ:
            return environ[name]
        if default is None:
            raise KeyError(f"profiles.yml: environment variable {name} is not set and has no default")
        return default

    profiles = yaml.safe_load((project_dir / "profiles.yml").read_text(encoding="utf-8"))
    profile = next(iter(profiles.values()))
    target = profile["outputs"][profile["target"]]
    settings = {**(target.get("config_options") or {}), **(target.get("settings") or {})}
    templates = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return {key: templates.from_string(str(value)).render(env_var=env_var) for key, value in settings.items()}


def run_floor(manifest_path: Path, out_dir: Path, project_dir: Path = ROOT / "dbt_project") -> dict:
    import duckdb

    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    order = build_order(manifest)
    database = order[0]["database"]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{database}.duckdb"
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    for key, value in profile_settings(project_dir).items():
        con.execute(f"set {key} = '{value}'")
    for schema in sorted({node["schema"] for node in order}):
        con.execute(f'create schema if not exists "{schema}"')
    for node in order:
        if node.get("language") == "python":
            run_python_model(con, node)
        else:
            con.execute(statement(node, project_dir))
    con.close()
    return {"models": sum(n["resource_type"] == "model" for n in order),
            "seeds": sum(n["resource_type"] == "seed" for n in order), "database": str(path)}


if __name__ == "__main__":
    print(json.dumps(run_floor(Path(sys.argv[1]), Path(sys.argv[2]))))
