"""The shape of the lake, declared once: the lineage columns every raw batch carries (written by ingest, read by
the dbt sources) and the columns of a ledger row (written by ingest, read by dbt and the status commands)."""

from __future__ import annotations

from config.contracts import Column, Contract

# (name, DuckDB type, description): the columns ingest appends to every accepted row, in this order.
LINEAGE = [
    ("_batch_id", "varchar", "Ingest batch (one per delivered file)"),
    ("_period", "date", "First day of the period the row belongs to (contract period column and grain)"),
    ("_source_file", "varchar", "Name of the delivered file"),
    ("_source_line", "bigint", "Line of the row in the delivered file (header is line 1)"),
    ("_loaded_at", "timestamp", "When ingest wrote the row"),
]

# A ledger row (lake/ledger/<batch_id>.json), as dbt reads it.
LEDGER_COLUMNS = {
    "batch_id": "VARCHAR", "feed_id": "VARCHAR", "organisation": "VARCHAR", "file": "VARCHAR",
    "sha256": "VARCHAR", "status": "VARCHAR", "reason": "VARCHAR", "periods": "VARCHAR[]",
    "period_start": "VARCHAR", "period_end": "VARCHAR", "rows_received": "BIGINT", "rows_accepted": "BIGINT",
    "rows_rejected": "BIGINT", "rows_opted_out": "BIGINT", "rows_collapsed": "BIGINT",
    "received_at": "VARCHAR", "finished_at": "VARCHAR",
    "claimed_at": "VARCHAR", "declared_period": "VARCHAR", "version": "BIGINT", "replaces": "VARCHAR",
    "redactions": "MAP(VARCHAR, BIGINT)",  # identifiers replaced in free text, by placeholder (ingest.redact)
    "rows_outside_england": "BIGINT",  # accepted rows of residents outside England (ingest.residence)
}


def ledger_relation(ledger_glob: str, visible: str | None = None) -> str:
    """The ledger as a relation of LEDGER_COLUMNS, for SQL (the dbt source and the tests): every file read as text
    and parsed with one declared structure (a key a file lacks is null). DuckDB's ``read_json`` took 1-3 s over
    a year's 313 small files (set-up per file) where this takes about 0.15 s, and the lake reads the ledger
    twice for each feed's view, every time a view is queried. ``struct_pack``, not a ``{...}`` literal: dbt-duckdb
    formats an external location with ``str.format_map``.

    ``visible``: a file of batch ids, one a line (``transform.build_state.freeze_ledger``); only those rows are read, so
    every model of one build sees the same ledger while ingest goes on committing files."""
    structure = "to_json(struct_pack(" + ", ".join(f"{k} := '{v}'" for k, v in LEDGER_COLUMNS.items()) + "))"
    only = ("" if visible is None else " where parse_filename(filename, true) in "
            f"(select unnest(string_split(content, chr(10))) from read_text('{visible}'))")
    return f"(select unnest(json_transform(content, {structure})) from read_text('{ledger_glob}'){only})"


def output_name(col: Column) -> str:
    """Name of a personal column after treatment (``nhs_number`` becomes ``person_id``)."""
    if col.personal == "pseudonymise":
        return "person_id" if col.name == "nhs_number" else f"{col.name}_pseudonym"
    if col.personal == "postcode_to_lsoa":
        return f"{col.name}_lsoa11"
    return col.name


def key_columns(contract: Contract) -> list[str]:
    """The primary key as the raw batch names it (``nhs_number`` is ``person_id`` there)."""
    return [output_name(contract.column(c)) for c in contract.primary_key]
