"""Which delivered rows are current: one definition, written once here as a Python rule (for the ledger, status
and ingest's opt-out list) and as SQL (generated into the warehouse's ``lake`` views by ``outcomes contracts
sync``). A property test (tests/lake/test_current_property.py) checks that the two agree.

The rule (docs/contracts.md, "What a delivery replaces"):

1. Deliveries are ordered by their version (``_v2`` in the name, or the manifest), then the time the file was
   claimed from landing, then file name and checksum: never by when a worker happened to process them.
2. Which loaded deliveries are current depends on the contract's ``delivery.replaces``: ``declared_period`` and
   ``snapshot`` keep the last delivery (in that order) of each declared period; ``append`` keeps every delivery.
3. Current rows are the accepted rows of the current deliveries; when the same primary key arrives in two current
   deliveries, the later delivery's row wins (the others are counted as superseded keys, never double counted).
   Rows from other months inside a file are late rows: they add, and never remove anyone else's rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from config.contracts import Contract
from lake.schema import key_columns, output_name

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # claimed_at in the ledger: fixed width, so text order is time order


def order_key(entry: dict) -> tuple:
    """The position of a loaded delivery among its feed's deliveries (later sorts higher)."""
    return (int(entry.get("version") or 1), entry.get("claimed_at") or entry.get("received_at") or "",
            entry.get("file") or "", entry.get("sha256") or "")


def _period_of(entry: dict) -> str:
    """The declared period; a ledger row written before periods were declared stands alone (never superseded)."""
    return entry.get("declared_period") or f"batch:{entry['batch_id']}"


def _loaded(entries: Iterable[dict]) -> list[dict]:
    return sorted((e for e in entries if e.get("status") == "loaded"), key=order_key)


def _last_by_period(loaded: list[dict]) -> dict[str, dict]:
    last: dict[str, dict] = {}
    for entry in loaded:
        last[_period_of(entry)] = entry
    return last


def current_deliveries(entries: Iterable[dict], replaces: str) -> list[dict]:
    """The current loaded deliveries among one feed's ledger rows, in delivery order (oldest first)."""
    loaded = _loaded(entries)
    if replaces == "append":
        return loaded
    current = {id(e) for e in _last_by_period(loaded).values()}
    return [e for e in loaded if id(e) in current]


def superseding(entries: Iterable[dict], replaces: str) -> dict[str, str]:
    """For every loaded delivery that is no longer current, the batch id of the delivery that replaced it."""
    loaded = _loaded(entries)
    if replaces == "append":
        return {}
    last = _last_by_period(loaded)
    return {e["batch_id"]: last[_period_of(e)]["batch_id"] for e in loaded if last[_period_of(e)] is not e}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def deliveries_sql(contract: Contract, ledger: str) -> str:
    """SQL: the current deliveries of ``contract``'s feed with their delivery order, from a ledger relation."""
    pick = ("" if contract.delivery.replaces == "append" else
            "\n    qualify row_number() over (\n"
            "        partition by coalesce(declared_period, 'batch:' || batch_id) order by delivery_order desc\n"
            "    ) = 1")
    return f"""select batch_id, declared_period, delivery_order
    from (
        select
            batch_id,
            declared_period,
            row_number() over (
                order by coalesce(version, 1), coalesce(claimed_at, received_at, ''), file, sha256
            ) as delivery_order
        from {ledger}
        where status = 'loaded' and feed_id = '{contract.feed_id}'
    ){pick}"""


def _current(raw: str, deliveries: str) -> str:
    """The raw rows of the current deliveries (``src``), each with its delivery (``cd``: from ``deliveries``, a
    relation of :func:`deliveries_sql`'s columns)."""
    return f"""{raw} as src
    inner join {deliveries} as cd on src._batch_id = cd.batch_id"""


def current_rows_sql(contract: Contract, raw: str, ledger: str, optouts: str | None = None) -> str:
    """SQL: the current rows of ``contract``'s feed (the raw batch columns, unchanged), from the raw batches and
    the ledger. With ``optouts`` (a relation of ``person_id``), people on the opt-out list in force are left out.

    Only the keys held by more than one current row (found by one hash aggregate over the key columns, null keys
    one key) are ranked by the window; every other row is its key's only row, and current as it is. Ranking every
    row sorted the whole feed (the GP register's 3.2 million rows) for the few keys a resubmission repeats
    (bench/results.md, twenty-ninth and thirty-seventh rounds)."""
    columns = [_q(c) for c in key_columns(contract)]
    key = ", ".join(f"src.{c}" for c in columns)
    same = [f"src.{c} is not distinct from rk.{c}" for c in columns]
    same_key = " on " + same[0] if len(same) == 1 else "\n        on\n            " + "\n            and ".join(same)
    current = _current(raw, "current_deliveries")
    keep = ""
    if optouts:
        keep = f"\n    where\n        person_id is null\n        or person_id not in (select person_id from {optouts})"
    return f"""with current_deliveries as (
    {deliveries_sql(contract, ledger)}
),

repeated_keys as (
    select {key}
    from {current}
    group by {key}
    having count(*) > 1
),

single_rows as (
    select src.*
    from {current}
    anti join repeated_keys as rk{same_key}
),

latest_of_repeated as (
    select src.*
    from {current}
    semi join repeated_keys as rk{same_key}
    qualify row_number() over (
        partition by {key}
        order by cd.delivery_order desc, src._source_line desc
    ) = 1
),

latest_per_key as (
    select * from single_rows
    union all
    select * from latest_of_repeated
),

final as (
    select *
    from latest_per_key{keep}
)

select * from final"""


def list_in_force_sql(contract: Contract, raw: str, ledger: str) -> str:
    """SQL: the people (``person_id``) on the opt-out list in force: the current list with the latest declared
    period (as ``lake.ledger.list_in_force`` picks it)."""
    return f"""with current_lists as (
    {deliveries_sql(contract, ledger)}
),

list_in_force as (
    select batch_id
    from current_lists
    order by declared_period desc nulls last, delivery_order desc
    limit 1
),

final as (
    select distinct src.person_id
    from {raw} as src
    inner join list_in_force as lif on src._batch_id = lif.batch_id
    where src.person_id is not null
)

select * from final"""


def superseded_keys_sql(contract: Contract, raw: str, ledger: str) -> str:
    """SQL: one row, the number of primary keys that arrived in more than one current delivery of the feed.

    More than one delivery is said as ``min <> max`` of the batch id, not ``count(distinct ...) > 1``: the same
    answer (a batch id is never null here), but a plain aggregate, which DuckDB spills to disk when the groups
    (every key of the feed: 30 million for a 10x GP register) outgrow its buffer. Over the 10x year's lake with a
    400 MB buffer (the share of the build's 1 GB left when heavy nodes run side by side) the distinct form ran out
    of memory and this one completed (bench/results.md, fifth round).

    When the key has a date column beside others (a snapshot's or a list's date), only rows whose date arrived in
    more than one current delivery can carry such a key, so the keys are grouped over those rows alone: exact,
    and a snapshot feed whose deliveries each hold their own dates (the usual case) groups no key at all, where
    grouping every key of the GP register took two thirds of this model's time (bench/results.md, tenth round)."""
    key = ", ".join(f"src.{_q(c)}" for c in key_columns(contract))
    current = _current(raw, f"({deliveries_sql(contract, ledger)})")
    dated = [output_name(contract.column(c)) for c in contract.primary_key if contract.column(c).type == "date"]
    narrowed = ""
    if dated and len(contract.primary_key) > 1:
        on = f"src.{_q(dated[0])}"
        narrowed = f"""
    where {on} is null or {on} in (
        select {on}
        from {current}
        group by {on}
        having min(src._batch_id) <> max(src._batch_id)
    )"""
    return f"""select '{contract.feed_id}' as feed_id, count(*) as superseded_keys
from (
    select {key}
    from {current}{narrowed}
    group by {key}
    having min(src._batch_id) <> max(src._batch_id)
)"""


def current_rows(entries: Iterable[dict], rows: Iterable[dict], key: list[str], replaces: str) -> list[dict]:
    """The Python form of ``current_rows_sql`` (without the opt-out list): of ``rows`` (accepted rows carrying
    ``_batch_id`` and ``_source_line``), those of current deliveries, one per key, the later delivery's."""
    position = {e["batch_id"]: i for i, e in enumerate(current_deliveries(entries, replaces))}
    best: dict[tuple, tuple[tuple, dict]] = {}
    for row in rows:
        if row["_batch_id"] not in position:
            continue
        rank = (position[row["_batch_id"]], row["_source_line"])
        k = tuple(row[c] for c in key)
        if k not in best or rank > best[k][0]:
            best[k] = (rank, row)
    return [row for _, row in best.values()]
