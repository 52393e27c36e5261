"""The raw-level suites: a feed's current rows in the lake against its contract, every check pushed down to DuckDB."""

from __future__ import annotations

import pandas as pd

from config.contracts import load_contracts
from lake.schema import key_columns
from publish.gate import run_raw_gate
from publish.raw_gate import checked_columns, raw_suite, rows_query
from tests.publish.conftest import record_delivery

FEED = "rwp_ecds"


def write_batch(settings, entry: dict, rows: list[dict]) -> None:
    folder = settings.raw_dir / FEED / f"batch_id={entry['batch_id']}"
    folder.mkdir(parents=True)
    pd.DataFrame(rows).assign(_batch_id=entry["batch_id"]).to_parquet(folder / "part-0.parquet")


def valid_row(contract, n: int) -> dict:
    """A row that meets every check of the raw suite: codes from the contract, numbers at their minimum."""
    row = {}
    for col in checked_columns(contract):
        if col.codes:
            row[col.name] = col.codes[0]
        elif col.type in ("integer", "decimal"):
            row[col.name] = col.min if col.min is not None else 1
        else:
            row[col.name] = f"v{n}"
    return row | {k: f"key-{n}" for k in key_columns(contract)}


def test_a_feed_breaking_its_contract_in_the_lake_fails_its_raw_suite_by_column(settings):
    """
    GIVEN an April delivery of rwp_ecds in the lake whose rows meet the contract, and a May delivery with one row
          carrying a code the contract does not list and two rows with the same key
    WHEN the raw-level suite runs on the feed (GX over DuckDB, SQL pushdown)
    THEN the feed fails on exactly those two expectations, naming the column and the bad value; the suite was
         generated from the contract (one check per coded column)
    """
    contract = next(c for c in load_contracts(settings.contracts_dir) if c.feed_id == FEED)
    coded = next(c for c in checked_columns(contract) if c.codes and c.type == "varchar")
    write_batch(settings, record_delivery(settings, FEED, "2025-04-01"), [valid_row(contract, n) for n in range(3)])
    may = [valid_row(contract, n) for n in range(3, 6)]
    may[0][coded.name] = "ZZ"
    may[2] |= {k: may[1][k] for k in key_columns(contract)}
    write_batch(settings, record_delivery(settings, FEED, "2025-05-01"), may)

    [gate] = run_raw_gate(settings, feeds=[FEED])

    assert not gate.success and len(gate.failures) == 2, gate.failures
    assert any(f"{FEED}.{coded.name} is one of the contract's codes: 1 of 6 rows break it" in f and "ZZ" in f
               for f in gate.failures)
    assert any("one row per attendance_id in each delivery: 1 key is held by more than one row" in f
               and "attendance_id=key-4, rows=2" in f for f in gate.failures), gate.failures
    in_set = [e for e in raw_suite(contract)["expectations"] if e["type"] == "expect_column_values_to_be_in_set"]
    assert len(in_set) == sum(1 for c in checked_columns(contract) if c.codes and c.type == "varchar")
    assert gate.docs is not None and gate.docs.is_file()


def test_the_feeds_queries_are_declared_at_once_and_validated_on_their_own_assets(settings):
    """GIVEN two feeds' row queries declared together in a GX project (one data source, saved once)
    WHEN each query is validated with its suite
    THEN each runs on the asset declared for it (the same asset, not added again), and a query whose text
    differs from the declared one gets a new asset with that text."""
    from publish.gx_project import LAKE_DATASOURCE, Project

    contract = next(c for c in load_contracts(settings.contracts_dir) if c.feed_id == FEED)
    write_batch(settings, record_delivery(settings, FEED, "2025-04-01"), [valid_row(contract, n) for n in range(3)])
    files = [str(p) for p in (settings.raw_dir / FEED).rglob("*.parquet")]
    suite = raw_suite(contract)
    project = Project(settings)
    project.declare_queries({suite["name"]: rows_query(contract, files), "raw.other": "select 1 as x"})
    lake = project.context.data_sources.get(LAKE_DATASOURCE)
    declared = {name: lake.get_asset(name).id for name in (suite["name"], "raw.other")}

    assert project.validate_query(suite, rows_query(contract, files)).success
    assert project.context.data_sources.get(LAKE_DATASOURCE).get_asset(suite["name"]).id == declared[suite["name"]]
    other = {"name": "raw.other", "expectations": [{"type": "expect_table_row_count_to_be_between",
                                                     "kwargs": {"min_value": 2}, "meta": {}}]}
    assert project.validate_query(other, "select 1 as x union all select 2").success
    asset = project.context.data_sources.get(LAKE_DATASOURCE).get_asset("raw.other")
    assert asset.id != declared["raw.other"] and asset.query == "select 1 as x union all select 2"
