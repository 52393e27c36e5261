"""dbt's unit tests (the `unit_tests:` of every model's YAML: fixed inputs, expected rows) run here, once, on a
throwaway warehouse whose models are built empty (`dbt build --empty`: the unit tests need their inputs' columns,
not their rows); pipeline builds leave them out (transform/build.py, PIPELINE_EXCLUDES)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from transform.build import results_path, run_dbt

MODELS = Path(__file__).resolve().parents[2] / "dbt_project" / "models"


def declared_unit_tests() -> set[str]:
    names = set()
    for path in MODELS.rglob("*.yml"):
        for test in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("unit_tests") or []:
            names.add(f"{test['model']}::{test['name']}")
    return names


def test_every_dbt_unit_test_passes(settings):
    """GIVEN an empty working folder WHEN every model is built empty and `dbt test --select test_type:unit` runs
    THEN every unit test declared in the models' YAML ran and passed."""
    empty = run_dbt(settings, "build", "--empty", "--exclude-resource-type", "unit_test",
                    "--exclude-resource-type", "test")
    assert empty.returncode == 0, (empty.stdout or "")[-3000:]
    proc = run_dbt(settings, "test", "--select", "test_type:unit")
    results = [r for r in json.loads(results_path(settings).read_text(encoding="utf-8"))["results"]
               if not r["unique_id"].startswith("operation.")]  # the project's on-run-end hook (persist_docs)
    failed = [f"{r['unique_id']}: {r['status']} {r.get('message') or ''}" for r in results if r["status"] != "pass"]
    assert proc.returncode == 0 and not failed, "\n".join(failed) or (proc.stdout or "")[-3000:]
    ran = {r["unique_id"].split(".", 2)[2].replace(".", "::", 1) for r in results}
    assert ran == declared_unit_tests() and len(ran) >= 40

