"""The dbt models as their YAML under dbt_project/models declares them, for tests that check the warehouse."""

from __future__ import annotations

from pathlib import Path

import yaml

MODELS = Path(__file__).resolve().parents[1] / "dbt_project" / "models"


def model_yaml(name: str) -> dict:
    """The YAML entry of the model ``name`` (its description, columns, tests)."""
    for path in sorted(MODELS.rglob("*.yml")):
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or []:
            if entry["name"] == name:
                return entry
    raise LookupError(f"no model {name!r} in {MODELS}")


def documented(name: str) -> dict[str, str]:
    """The model's description (key "") and each described column's (by name), stripped."""
    entry = model_yaml(name)
    columns = {c["name"]: c["description"].strip() for c in entry.get("columns", []) if c.get("description")}
    return {"": entry["description"].strip(), **columns}
