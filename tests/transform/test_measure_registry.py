"""The measure registry: every shipped declaration is valid, a bad one is refused naming the file and the
problem, and the files generated from it (marts.measures, the union of records, the pages) are current and say
what the declarations say."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from config.measures import RECORD_COLUMNS, MeasureError, load_measure, load_measures
from config.settings import get_settings
from transform import measure_docs, measure_models
from transform.generated import Owned, out_of_date, write_generated
from transform.sources import generated
from transform.sql_text import literal

REPO = Path(__file__).resolve().parents[2]
MEASURES = REPO / "measures"
CONTRACTS = REPO / "contracts"


def shipped():
    return load_measures(MEASURES, CONTRACTS)


def test_the_shipped_registry_is_valid_and_holds_the_three_ed_measures():
    """GIVEN measures/*.yaml WHEN loaded THEN each validates and the emergency department measures are there,
    with the directions and targets the issue gives."""
    by_id = {m.id: m for m in shipped()}
    assert {"ed_4h_all_types", "ed_4h_type1", "ed_12h_from_arrival"} <= set(by_id)
    assert (by_id["ed_4h_all_types"].target.value, by_id["ed_4h_all_types"].standard.value) == (78, 95)
    assert by_id["ed_12h_from_arrival"].polarity == "lower_is_better"
    assert by_id["ed_12h_from_arrival"].target.value == 10
    assert set(by_id["ed_4h_all_types"].source_feeds) == {"rwp_ecds", "rlq_ecds", "r1a_miu"}


def test_every_measure_has_its_model_and_its_unit_tests():
    """GIVEN the registry WHEN each measure's record model is looked for THEN its SQL exists beside a YAML with at
    least one dbt unit test of that model (the edges of its definition)."""
    folder = REPO / "dbt_project" / "models" / "intermediate" / "measures"
    for m in shipped():
        assert (folder / f"{m.model}.sql").is_file(), m.model
        tests = yaml.safe_load((folder / f"{m.model}.yml").read_text())["unit_tests"]
        assert tests and all(t["model"] == m.model for t in tests), m.model


def test_committed_generated_files_match_the_registry():
    """GIVEN the registry WHEN the generated files are rendered THEN they equal the committed ones
    (run `outcomes contracts sync` after changing a declaration)."""
    changed, stale = out_of_date(*generated(get_settings()))
    assert (changed, stale) == ([], [])


def _write(tmp_path: Path, name: str, change) -> Path:
    data = yaml.safe_load((MEASURES / "ed_4h_type1.yaml").read_text())
    change(data)
    folder = tmp_path / "measures"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(colour="blue"), "colour"),
        (lambda d: d.update(unit="percentage"), "unit"),
        (lambda d: d.update(model="ed_4h_type1"), "model must be 'measure__ed_4h_type1'"),
        (lambda d: d.update(ci_method="byar"), "ci_method must be 'wilson' for value_type 'proportion'"),
        (lambda d: d.update(breakdowns=["imd_quintile"]), "breakdowns must include 'all'"),
        (lambda d: d.update(areas=["system", "region"]), "areas"),
        (lambda d: d.update(polarity="none"), "a target needs a polarity"),
        (lambda d: d.update(version=2), "changelog versions must increase and end at version 2"),
        (lambda d: d["period"].update(type="week"), "period.type"),
        (lambda d: d.update(id="ED-4h"), "lower-case letters"),
        (lambda d: d.update(records_from="register"), "records_from 'register' needs source feed 'qgh_gp_list'"),
        (lambda d: d.update(records_from="registers"), "records_from"),
    ],
)
def test_an_invalid_declaration_is_refused_naming_the_file_and_the_problem(tmp_path, change, message):
    """GIVEN a declaration with one mistake WHEN loaded THEN MeasureError names the file and what is wrong."""
    path = _write(tmp_path, "ed_4h_type1", change)
    with pytest.raises(MeasureError, match=message) as caught:
        load_measure(path)
    assert str(path) in str(caught.value)


def test_a_declaration_must_be_named_for_its_id(tmp_path):
    path = _write(tmp_path, "ed_4h_typo", lambda d: None)
    with pytest.raises(MeasureError, match="id 'ed_4h_type1' must match the file name 'ed_4h_typo'"):
        load_measure(path)


def test_a_source_feed_without_a_contract_is_refused(tmp_path):
    """GIVEN a declaration naming a feed no contract declares WHEN the registry loads THEN it is refused,
    naming the file and the unknown feed."""
    path = _write(tmp_path, "ed_4h_type1", lambda d: d.update(source_feeds=["rwp_ecds", "rwp_edcs"]))
    with pytest.raises(MeasureError, match=r"source_feeds \['rwp_edcs'\] have no contract") as caught:
        load_measures(path.parent, CONTRACTS)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("text", ["plain", "it's 'quoted'", "a {{ jinja }} and {% tag %} and {# note #}",
                                  " ".join(["a long sentence"] * 40)])
def test_a_registry_text_survives_as_a_sql_literal(text):
    """GIVEN text with quotes, Jinja delimiters or more than a line's width WHEN written as a SQL literal THEN
    DuckDB reads back the same text, no line is wider than the linter allows and no Jinja opener is left."""
    sql = literal(text, " " * 12)
    assert duckdb.sql(f"select {sql}").fetchall()[0][0] == text
    assert all(len(line) <= 120 for line in sql.splitlines())
    assert not any(opener in sql for opener in ("{{", "{%", "{#"))


def test_the_generated_registry_model_holds_every_declaration():
    """GIVEN the registry WHEN its generated values model runs in DuckDB THEN it has one row per measure with
    the declared version, unit, polarity, target and feeds."""
    measures = shipped()
    rows = duckdb.sql(measure_models.registry_model(measures)).df().set_index("measure_id")
    assert sorted(rows.index) == sorted(m.id for m in measures)
    for m in measures:
        row = rows.loc[m.id]
        assert (row["version"], row["unit"], row["polarity"], row["model_name"]) == (
            m.version, m.unit, m.polarity, m.model)
        assert (row["target_value"] == m.target.value) if m.target else pd.isna(row["target_value"])
        assert row["source_feeds"].split(", ") == m.source_feeds
        assert row["choices"].split(" | ")[0] == " ".join(m.choices[0].split())


def test_the_union_takes_every_measure_model_in_the_record_shape():
    """GIVEN the registry WHEN the union model is generated THEN it refers to every measure's model and selects
    exactly the record columns, in order, from each."""
    measures = shipped()
    sql = measure_models.union_model(measures)
    columns = ",\n".join(f"        {name}" for name, *_ in RECORD_COLUMNS)
    for m in measures:
        assert f"ref('{m.model}')" in sql
        assert f"    select\n{columns}\n    from {m.model}" in sql
    assert measure_models.union_model(()).count("cast(null as") == len(RECORD_COLUMNS)


def test_the_register_union_takes_the_register_measures_only():
    """GIVEN the registry WHEN the register measures' union is generated THEN it refers to every measure whose
    records come from the register and to no event measure (so a new month of an event feed does not rebuild what
    reads it)."""
    measures = shipped()
    sql = measure_models.register_union_model(measures)
    register = [m for m in measures if m.records_from == "register"]
    assert register and len(register) < len(measures)
    for m in measures:
        assert (f"ref('{m.model}')" in sql) == (m.records_from == "register")


def test_each_measure_gets_a_page_with_its_choices():
    measures = shipped()
    pages = measure_docs.render(measures)
    for m in measures:
        page = pages[Path("measures") / f"{m.id}.md"]
        assert page.startswith("<!-- GENERATED") and f"`{m.id}`, version {m.version}" in page
        assert all(f"- {' '.join(c.split())}" in page for c in m.choices)


def test_generated_files_are_written_and_stale_ones_removed(tmp_path):
    """GIVEN a folder a generator owns, with a page whose measure is gone WHEN synced THEN the wanted files are
    written and the stale page removed; a second check finds everything current."""
    owned = tmp_path / "docs" / "measures"
    owned.mkdir(parents=True)
    (owned / "gone.md").write_text("old")
    (owned / "notes.txt").write_text("not ours")
    wanted = {owned / "kept.md": "new\n", tmp_path / "model.sql": "select 1\n"}
    assert not write_generated(wanted, [Owned(owned, "*.md")], check=True)
    assert not write_generated(wanted, [Owned(owned, "*.md")])
    assert sorted(p.name for p in owned.iterdir()) == ["kept.md", "notes.txt"]
    assert (tmp_path / "model.sql").read_text() == "select 1\n"
    assert write_generated(wanted, [Owned(owned, "*.md")], check=True)
