"""The published schema is stable: each published table's declared columns (its dbt model properties, and the
partner spec for measure_values) are the latest version in config/published_schemas.yaml, and a column can only
be renamed or dropped by a new version that says so (docs/inequalities.md, "A stable schema")."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from config.published_schemas import PublishedSchemaError, PublishedTable, load_published_schemas
from publish.spec import load_spec

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "dbt_project" / "models"
DOCS = REPO / "docs" / "inequalities.md"


def declared_columns(model: str) -> list[str]:
    """The column names a dbt model's properties declare, in order."""
    for path in MODELS.rglob("_*.yml"):
        for entry in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            if entry["name"] == model:
                return [column["name"] for column in entry.get("columns", [])]
    raise AssertionError(f"no properties declare model {model!r}")


def drift(table: PublishedTable, columns: list[str]) -> list[str]:
    """What differs between a model's columns and its table's latest published version."""
    latest = table.version.columns
    return ([f"missing {c!r} (renamed or dropped without a new version)" for c in latest if c not in columns]
            + [f"undeclared {c!r} (add it to the latest version)" for c in columns if c not in latest]
            + (["order differs"] if [c for c in columns if c in latest] != [c for c in latest if c in columns]
               else []))


@pytest.mark.parametrize("name", sorted(load_published_schemas().tables))
def test_each_published_model_declares_the_latest_version_of_its_columns(name):
    """GIVEN the published-schema registry WHEN a table's dbt model properties are read THEN they declare exactly
    the latest version's columns, in order."""
    table = load_published_schemas().tables[name]
    assert drift(table, declared_columns(table.model)) == []


def test_the_partner_spec_of_measure_values_publishes_the_latest_version():
    table = load_published_schemas().tables["measure_values"]
    assert load_spec("measure_values").source_columns == table.version.columns


def test_a_renamed_column_is_caught():
    """GIVEN inequality_summary's columns with sii renamed to slope_index WHEN compared THEN drift names both."""
    table = load_published_schemas().tables["inequality_summary"]
    renamed = ["slope_index" if c == "sii" else c for c in table.version.columns]
    assert drift(table, renamed) == ["missing 'sii' (renamed or dropped without a new version)",
                                     "undeclared 'slope_index' (add it to the latest version)"]


def test_a_version_that_loses_a_column_must_say_so(tmp_path):
    """GIVEN a registry whose version 2 of a table lacks a column of version 1 WHEN loaded THEN it is refused
    naming the column, and accepted once version 2 lists it as dropped."""
    data = yaml.safe_load((REPO / "config" / "published_schemas.yaml").read_text())
    versions = data["tables"]["inequality_summary"]["versions"]
    versions.append(dict(versions[0], version=2, change="gap dropped",
                         columns=[c for c in versions[0]["columns"] if c != "absolute_gap"]))
    path = tmp_path / "schemas.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(PublishedSchemaError, match=r"version 2 loses \['absolute_gap'\] of version 1"):
        load_published_schemas(path)
    versions[-1]["dropped"] = ["absolute_gap"]
    path.write_text(yaml.safe_dump(data))
    assert load_published_schemas(path).tables["inequality_summary"].version.version == 2


@pytest.mark.parametrize("name", ["inequality_summary", "core20plus5"])
def test_the_docs_page_describes_every_published_column(name):
    """GIVEN docs/inequalities.md WHEN the section headed with the table is read THEN each column has a row."""
    sections = DOCS.read_text().split("\n## ")
    section = next(s for s in sections if f"`marts.{name}`" in s.splitlines()[0])
    assert [c for c in load_published_schemas().tables[name].version.columns if f"| `{c}` |" not in section] == []
