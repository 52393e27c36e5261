"""Specs and their GX suites agree, and the publication store numbers versions safely under concurrency."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from publish import store
from publish.gate import load_suite
from publish.spec import TableSpec, list_tables, load_spec


@pytest.mark.parametrize("table", list_tables())
def test_each_suite_checks_its_spec_columns_keys_and_disclosure_rules(table):
    """
    GIVEN a declared partner table
    WHEN its committed (generated) expectation suite is read
    THEN it checks the published columns in order, the key, and every count against each disclosure profile the
         table's rows take (for a registry table, one rule per profile on its measures' rows): no count the profile
         forbids (below its smallest published count; 0 where it suppresses 0), each a multiple of its base
    """
    from config.disclosure_profiles import PROFILES
    from publish.disclosure import measures_by_id

    spec = load_spec(table)
    expectations = load_suite(spec.suite)["expectations"]
    by_type: dict[str, list[dict]] = {}
    for e in expectations:
        by_type.setdefault(e["type"], []).append(e["kwargs"])
    assert by_type["expect_table_columns_to_match_ordered_list"] == [{"column_list": spec.output_columns}]
    assert by_type["expect_compound_columns_to_be_unique"] == [{"column_list": spec.keys}]
    by_profile: dict[str, set[str]] = {}
    if spec.disclosure.profile == "registry":
        for measure in measures_by_id().values():
            by_profile.setdefault(measure.disclosure_profile, set()).add(measure.id)
    else:
        by_profile[spec.disclosure.profile] = set()
    checks = [k for k in by_type["expect_column_values_to_not_be_in_set"]]
    regexes = by_type["expect_column_values_to_match_regex"]
    for name, ids in by_profile.items():
        profile = PROFILES[name]
        forbidden = [0] * profile.suppress_zero + list(range(1, profile.smallest_published()))
        for col in (c.name for c in spec.columns if c.kind == "count"):
            mine = [k for k in checks if k["column"] == col and all(i in k.get("row_condition", "") for i in ids)
                    and k["value_set"] == forbidden]
            assert len(mine) == 1, (col, name)
            assert any(r["column"] == col and r["regex"] == "^[0-9]*[05]$"
                       and r.get("row_condition") == mine[0].get("row_condition") for r in regexes), (col, name)
    assert all(e.get("description") for e in expectations), "every expectation needs plain-words text"


def test_concurrent_promotions_get_distinct_versions(tmp_path):
    """
    GIVEN four writers promoting candidates of the same table at the same time
    WHEN each numbers and promotes under the table lock
    THEN they get v0001..v0004 with nothing lost, and LATEST names one of them
    """
    publications = tmp_path / "publications"
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            incoming = store.new_incoming(publications, "t")
            (incoming / "t.csv").write_text(f"{n}\n")
            with store.table_lock(publications, "t"):
                version = store.next_version(publications, "t")
                time.sleep(0.05)  # widen the race window: without the lock two writers pick one number
                store.promote(incoming, publications, "t", version)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert store.versions(publications, "t") == ["v0001", "v0002", "v0003", "v0004"]
    assert sorted((publications / "t" / v / "t.csv").read_text() for v in store.versions(publications, "t")) == [
        "0\n",
        "1\n",
        "2\n",
        "3\n",
    ]
    assert (publications / "t" / "LATEST").read_text().strip() in store.versions(publications, "t")


def test_the_measure_values_suite_and_spec_follow_the_measure_registry():
    """GIVEN the measure registry (measures/*.yaml)
    WHEN the measure_values gate suite and publication spec are read
    THEN the suite accepts exactly the registry's measure ids, and every unit a registered measure declares is an
    accepted unit (adding a measure without updating the gate fails here, not in a partner's hands)."""
    from config.measures import load_measures
    from config.settings import get_settings

    settings = get_settings()
    registry = load_measures(settings.measures_dir, settings.contracts_dir)
    expectations = load_suite(load_spec("measure_values").suite)["expectations"]

    def value_set(column):
        return next(set(e["kwargs"]["value_set"]) for e in expectations
                    if e["type"] == "expect_column_values_to_be_in_set" and e["kwargs"]["column"] == column)

    assert value_set("measure_id") == {m.id for m in registry}
    assert {m.unit for m in registry} <= value_set("unit")


def test_the_committed_suites_are_generated_from_the_contract_spec_and_registry():
    """GIVEN the mart contracts, the publication specs and the measure registry
    WHEN the gate's suites are generated from them
    THEN they equal the committed JSON under expectations/suites/ (`outcomes contracts sync` writes them), and each
    published column agrees with its mart contract"""
    from config.settings import get_settings
    from publish.suites import disagreements, mart_contract, sync

    settings = get_settings()
    assert sync(settings, check=True), "the suites are out of date: run `outcomes contracts sync`"
    for table in list_tables():
        spec = load_spec(table)
        assert disagreements(spec, mart_contract(spec, settings)) == []


def test_a_spec_that_disagrees_with_its_mart_contract_is_refused():
    """GIVEN the ED spec with a column the mart does not have, and one typed differently from the mart
    WHEN its suite is generated
    THEN generation fails, naming each column and what the mart declares"""
    from config.settings import get_settings
    from publish.errors import SpecError
    from publish.spec import TableSpec
    from publish.suites import candidate_suite

    data = load_spec("ed_four_hour_performance").model_dump()
    data["columns"] = [dict(c, type="varchar") if c["name"] == "month" else c for c in data["columns"]]
    data["columns"].append({"name": "waiting_minutes", "type": "double", "description": "not in the mart"})
    spec = TableSpec.model_validate(data)

    with pytest.raises(SpecError) as caught:
        candidate_suite(spec, get_settings())
    assert "'month' is published as varchar but marts.ed_four_hour_performance declares date" in str(caught.value)
    assert "'waiting_minutes' is published but not in the contract" in str(caught.value)


def test_a_column_added_to_the_mart_contract_and_the_spec_is_checked_by_the_generated_suite(tmp_path):
    """GIVEN a copy of the project whose measure_values mart contract and spec gain a column with accepted values
    (as compared_to_system is added)
    WHEN the suite is generated
    THEN it checks the column's place in the published order and its accepted values, with no hand edit"""
    import shutil

    import yaml

    from config.settings import get_settings
    from publish.suites import candidate_suite

    settings = get_settings()
    models = tmp_path / "dbt_project" / "models" / "marts"
    shutil.copytree(settings.dbt_project_dir / "models" / "marts", models)
    path = models / "outcomes" / "_outcomes__models.yml"
    doc = yaml.safe_load(path.read_text())
    mart = next(m for m in doc["models"] if m["name"] == "measure_values")
    mart["columns"].append({"name": "benchmark", "data_type": "varchar", "constraints": [{"type": "not_null"}],
                            "data_tests": [{"accepted_values": {"arguments": {"values": ["better", "worse"]}}}]})
    path.write_text(yaml.safe_dump(doc))
    data = load_spec("measure_values").model_dump()
    data["columns"].append({"name": "benchmark", "type": "varchar", "description": "against the system"})
    spec = TableSpec.model_validate(data)

    suite = candidate_suite(spec, dataclasses.replace(settings, dbt_project_dir=tmp_path / "dbt_project"))

    kwargs = [e["kwargs"] for e in suite["expectations"]]
    assert {"column_list": spec.output_columns} in kwargs and spec.output_columns[-2] == "benchmark"
    assert {"column": "benchmark", "value_set": ["better", "worse"]} in kwargs
    assert {"column": "benchmark"} in kwargs  # not null, from the contract's constraint
