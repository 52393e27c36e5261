"""The one definition of current rows, checked both ways: the Python rule (lake.current, used by the ledger and
status) and the SQL the warehouse's lake views are generated from must agree on random delivery histories, and no
accepted row of a current delivery may ever be lost (only a later current delivery's row for the same key can
take its place)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.contracts import Contract
from lake.current import (
    TIME_FORMAT,
    current_deliveries,
    current_rows,
    current_rows_sql,
    deliveries_sql,
    superseded_keys_sql,
)
from lake.schema import ledger_relation

MONTHS = ["2025-04-01", "2025-05-01", "2025-06-01"]
T0 = datetime(2025, 7, 1, tzinfo=UTC)


def contract(replaces: str) -> Contract:
    return Contract.model_validate({
        "organisation": "TST", "feed": "events", "title": "Property-test feed",
        "file": {"pattern": "TST_EVENTS_*.csv", "format": "csv"},
        "period": {"column": "event_date", "grain": "month"},
        "delivery": {"replaces": replaces, "period_in_name": "%Y-%m"},
        "cadence": {"frequency": "monthly", "deadline_days": 5},
        "primary_key": ["event_id"],
        "columns": [{"name": "event_id", "type": "varchar", "nullable": False, "free_text": "none"},
                    {"name": "event_date", "type": "date", "nullable": False},
                    {"name": "value", "type": "integer"}],
    })


# One delivered file: its declared period, version, claim moment, status and rows (key, month of the row).
delivery = st.fixed_dictionaries({
    "period": st.sampled_from(MONTHS),
    "version": st.integers(1, 3),
    "claimed": st.integers(0, 4),  # several files may share a claim moment (claimed together)
    "status": st.sampled_from(["loaded"] * 6 + ["rejected", "duplicate"]),  # retries of loaded bytes: duplicate
    "rows": st.lists(st.tuples(st.integers(0, 12), st.sampled_from(MONTHS)), max_size=8,
                     unique_by=lambda r: r[0]),  # ingest quarantines a key repeated inside one file
})
history = st.lists(delivery, min_size=1, max_size=7)


def write_history(root: Path, deliveries: list[dict]) -> tuple[list[dict], list[dict]]:
    """Ledger rows and raw batches as ingest writes them (JSON per file, Parquet per batch)."""
    entries, rows = [], []
    (root / "ledger").mkdir(parents=True)
    for i, d in enumerate(deliveries):
        name = f"TST_EVENTS_{d['period'][:7]}" + (f"_v{d['version']}" if d["version"] > 1 else "") + ".csv"
        batch = f"b{i:03d}"  # processing order: deliberately unrelated to delivery order
        entry = {"batch_id": batch, "feed_id": "tst_events", "file": name, "sha256": f"{i:064x}",
                 "status": d["status"], "declared_period": d["period"], "version": d["version"],
                 "claimed_at": f"{T0 + timedelta(minutes=d['claimed']):{TIME_FORMAT}}",
                 "received_at": f"{T0 + timedelta(hours=1, seconds=i):{TIME_FORMAT}}", "replaces": None}
        entries.append(entry)
        (root / "ledger" / f"{batch}.json").write_text(json.dumps(entry))
        if d["status"] != "loaded":
            continue
        batch_rows = [{"event_id": None if k is None else f"e{k}", "event_date": month, "value": i, "_batch_id": batch,
                       "_source_line": line + 2} for line, (k, month) in enumerate(d["rows"])]
        rows += batch_rows
        folder = root / "raw" / f"batch_id={batch}"
        folder.mkdir(parents=True)
        table = pa.Table.from_pylist(batch_rows, schema=pa.schema([
            ("event_id", pa.string()), ("event_date", pa.string()), ("value", pa.int64()),
            ("_batch_id", pa.string()), ("_source_line", pa.int64())]))
        pq.write_table(table, folder / "part-0.parquet")
    return entries, rows


def relations(root: Path) -> tuple[str, str]:
    ledger = ledger_relation(f"{root}/ledger/*.json")
    raw = (f"read_parquet('{root}/raw/*/*.parquet', hive_partitioning=false, union_by_name=true)"
           if any((root / "raw").glob("*/*.parquet")) else
           "(select ''::varchar as event_id, ''::varchar as event_date, 0::bigint as value, "
           "''::varchar as _batch_id, 0::bigint as _source_line where false)")
    return raw, ledger


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history, st.sampled_from(["declared_period", "snapshot", "append"]))
def test_python_and_sql_agree_and_no_current_row_is_lost(tmp_path_factory, deliveries, replaces):
    """GIVEN a random history of deliveries (resubmissions with versions, files claimed together, late rows from
    other months, keys repeated across files, refused files and duplicate retries)
    WHEN the current rows are computed by the SQL of the lake views and by the Python rule
    THEN both pick the same deliveries and the same rows, and every accepted row of a current delivery is there
    unless a later current delivery delivered the same key."""
    root = tmp_path_factory.mktemp("lake")
    c = contract(replaces)
    entries, rows = write_history(root, deliveries)
    raw, ledger = relations(root)

    sql_batches = {b for (b, *_) in duckdb.sql(deliveries_sql(c, ledger)).fetchall()}
    py_current = current_deliveries(entries, replaces)
    assert sql_batches == {e["batch_id"] for e in py_current}

    got = duckdb.sql(f"select event_id, _batch_id, _source_line from ({current_rows_sql(c, raw, ledger)})")
    sql_rows = sorted(got.fetchall())
    py_rows = sorted((r["event_id"], r["_batch_id"], r["_source_line"]) for r in current_rows(entries, rows,
                                                                                            ["event_id"], replaces))
    assert sql_rows == py_rows

    order = {e["batch_id"]: i for i, e in enumerate(py_current)}
    batches_of_key: dict[str, set[str]] = {}
    for r in rows:
        if r["_batch_id"] in order:
            batches_of_key.setdefault(r["event_id"], set()).add(r["_batch_id"])
    reported = duckdb.sql(superseded_keys_sql(c, raw, ledger)).fetchall()
    assert reported == [("tst_events", sum(len(b) > 1 for b in batches_of_key.values()))]

    kept = {(k, b) for k, b, _ in sql_rows}
    for row in rows:
        if row["_batch_id"] not in order or (row["event_id"], row["_batch_id"]) in kept:
            continue
        winner = next(b for k, b, _ in sql_rows if k == row["event_id"])
        assert order[winner] > order[row["_batch_id"]], f"row {row} lost without a later delivery of its key"


def test_original_and_v2_claimed_together_resolve_to_v2_whatever_the_processing_order(tmp_path):
    """GIVEN an original and its _v2 claimed in the same moment, processed v2 first (a retry of the original
    committing after the correction)
    WHEN the current deliveries are computed THEN the _v2 is current and the original is not."""
    deliveries = [{"period": MONTHS[0], "version": 2, "claimed": 0, "status": "loaded", "rows": [(1, MONTHS[0])]},
                  {"period": MONTHS[0], "version": 1, "claimed": 0, "status": "loaded", "rows": [(1, MONTHS[0])]}]
    entries, _ = write_history(tmp_path, deliveries)
    raw, ledger = relations(tmp_path)
    assert [e["file"] for e in current_deliveries(entries, "declared_period")] == ["TST_EVENTS_2025-04_v2.csv"]
    assert duckdb.sql(deliveries_sql(contract("declared_period"), ledger)).fetchall()[0][0] == "b000"


def test_late_rows_from_other_months_add_and_never_remove_another_delivery(tmp_path):
    """GIVEN April's file holding a late May row, and May's file
    WHEN both are current THEN May's rows are all there and April's late row is there too."""
    deliveries = [{"period": MONTHS[0], "version": 1, "claimed": 0, "status": "loaded",
                   "rows": [(1, MONTHS[0]), (2, MONTHS[1])]},
                  {"period": MONTHS[1], "version": 1, "claimed": 1, "status": "loaded",
                   "rows": [(3, MONTHS[1]), (4, MONTHS[1])]}]
    write_history(tmp_path, deliveries)
    raw, ledger = relations(tmp_path)
    got = duckdb.sql(f"select event_id from ({current_rows_sql(contract('declared_period'), raw, ledger)}) "
                     "order by 1").fetchall()
    assert got == [("e1",), ("e2",), ("e3",), ("e4",)]


def dated_contract(replaces: str) -> Contract:
    """The property-test feed keyed by the row's date and its id, as a snapshot feed is (snapshot_date, person)."""
    data = contract(replaces).model_dump()
    return Contract.model_validate({**data, "primary_key": ["event_date", "event_id"]})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history, st.sampled_from(["declared_period", "snapshot", "append"]))
def test_superseded_keys_of_a_dated_key_are_counted_exactly(tmp_path_factory, deliveries, replaces):
    """GIVEN a random history of deliveries whose key is (event_date, event_id), with dates that arrive in one
    current delivery only and dates that arrive in several
    WHEN the superseded keys are counted by the SQL (which groups the keys of the dates in several deliveries only)
    THEN the count is the number of (date, id) keys that arrived in more than one current delivery."""
    root = tmp_path_factory.mktemp("lake")
    c = dated_contract(replaces)
    entries, rows = write_history(root, deliveries)
    raw, ledger = relations(root)
    current = {e["batch_id"] for e in current_deliveries(entries, replaces)}
    batches_of_key: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        if r["_batch_id"] in current:
            batches_of_key.setdefault((r["event_date"], r["event_id"]), set()).add(r["_batch_id"])
    reported = duckdb.sql(superseded_keys_sql(c, raw, ledger)).fetchall()
    assert reported == [("tst_events", sum(len(b) > 1 for b in batches_of_key.values()))]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history, st.sampled_from(["declared_period", "snapshot", "append"]))
def test_python_and_sql_agree_on_a_key_of_two_columns(tmp_path_factory, deliveries, replaces):
    """GIVEN a random history of deliveries whose key is (event_date, event_id), as a snapshot feed's is
    WHEN the current rows are computed by the SQL of the lake views and by the Python rule
    THEN both pick the same rows: a key repeats only when both its columns do."""
    root = tmp_path_factory.mktemp("lake")
    entries, rows = write_history(root, deliveries)
    raw, ledger = relations(root)
    got = duckdb.sql(f"select event_date, event_id, _batch_id, _source_line "
                     f"from ({current_rows_sql(dated_contract(replaces), raw, ledger)})").fetchall()
    expected = current_rows(entries, rows, ["event_date", "event_id"], replaces)
    assert sorted(got) == sorted((r["event_date"], r["event_id"], r["_batch_id"], r["_source_line"])
                                 for r in expected)


def test_a_null_key_is_one_key_as_the_python_rule_holds_it(tmp_path):
    """GIVEN rows with no key value in two current deliveries (and twice in the later one), beside keyed rows
    WHEN the current rows are computed THEN the null keys are one key, as in the Python rule and a partition: only
    the later delivery's last such row is current, and every keyed row stays."""
    deliveries = [{"period": MONTHS[0], "version": 1, "claimed": 0, "status": "loaded",
                   "rows": [(None, MONTHS[0]), (1, MONTHS[0])]},
                  {"period": MONTHS[1], "version": 1, "claimed": 1, "status": "loaded",
                   "rows": [(None, MONTHS[1]), (2, MONTHS[1]), (None, MONTHS[1])]}]
    entries, rows = write_history(tmp_path, deliveries)
    raw, ledger = relations(tmp_path)
    got = duckdb.sql(f"select event_id, _batch_id, _source_line "
                     f"from ({current_rows_sql(contract('append'), raw, ledger)})").fetchall()
    assert sorted(got, key=str) == sorted([(None, "b001", 4), ("e1", "b000", 3), ("e2", "b001", 3)], key=str)
    expected = current_rows(entries, rows, ["event_id"], "append")
    assert sorted(got, key=str) == sorted(((r["event_id"], r["_batch_id"], r["_source_line"]) for r in expected),
                                          key=str)
