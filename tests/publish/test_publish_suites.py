"""Specs and their GX suites agree, and the publication store numbers versions safely under concurrency."""

from __future__ import annotations

import threading
import time

import pytest

from publish import store
from publish.gate import load_suite
from publish.spec import list_tables, load_spec


@pytest.mark.parametrize("table", list_tables())
def test_each_suite_matches_its_spec(table):
    """
    GIVEN a declared partner table
    WHEN its spec and its expectation suite JSON are read
    THEN the suite checks the published columns in order, and refuses every count below the smallest count its
         profiles publish (for a registry table, the smallest over the registry's measures) and off their base
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
    refused = {k["column"]: k["value_set"] for k in by_type["expect_column_values_to_not_be_in_set"]}
    regexes = {k["column"]: k["regex"] for k in by_type["expect_column_values_to_match_regex"]}
    names = ({m.disclosure_profile for m in measures_by_id().values()} if spec.disclosure.profile == "registry"
             else {spec.disclosure.profile})
    smallest = min(PROFILES[n].smallest_published() for n in names)
    assert {PROFILES[n].round_to for n in names} == {5}
    for col in (c.name for c in spec.columns if c.kind == "count"):
        assert refused[col] == list(range(1, smallest)), col
        assert regexes[col] == "^[0-9]*[05]$", col
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
