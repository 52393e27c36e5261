"""Generate the dbt sources of the lake from the feed contracts, so the two can never disagree.

``outcomes contracts sync`` writes ``dbt_project/models/staging/lake/_lake__sources.yml``; a test fails when the
committed file differs from what the contracts generate.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ingest.contract import Contract, load_contracts
from ingest.transform_sql import output_name
from outcomes.settings import Settings, get_settings

SQL_TYPES = {"varchar": "varchar", "integer": "bigint", "decimal": "double", "boolean": "boolean",
             "date": "date", "timestamp": "timestamp"}

LINEAGE = [
    ("_batch_id", "varchar", "Ingest batch (one per delivered file); sorts by load time"),
    ("_period", "date", "First day of the period the row belongs to (contract period column and grain)"),
    ("_source_file", "varchar", "Name of the delivered file"),
    ("_source_line", "bigint", "Line of the row in the delivered file (header is line 1)"),
    ("_loaded_at", "timestamp", "When ingest wrote the row"),
]

LEDGER_COLUMNS = {
    "batch_id": "VARCHAR", "feed_id": "VARCHAR", "organisation": "VARCHAR", "file": "VARCHAR",
    "sha256": "VARCHAR", "status": "VARCHAR", "reason": "VARCHAR", "periods": "VARCHAR[]",
    "period_start": "VARCHAR", "period_end": "VARCHAR", "rows_received": "BIGINT", "rows_accepted": "BIGINT",
    "rows_rejected": "BIGINT", "rows_opted_out": "BIGINT", "received_at": "VARCHAR", "finished_at": "VARCHAR",
    "redactions": "MAP(VARCHAR, BIGINT)",
}

SOURCES_FILE = Path("models/staging/lake/_lake__sources.yml")


def raw_columns(contract: Contract) -> list[dict]:
    columns: list[dict] = []
    for col in contract.columns:
        if col.dropped:
            continue
        if col.personal == "derive_age":
            columns.append({"name": "age_years", "data_type": "integer",
                            "description": f"Age in whole years at {col.age_at} (from {col.name}, not kept)"})
            columns.append({"name": "age_band", "data_type": "varchar",
                            "description": "Five-year age band (0-4 ... 85-89, 90+)"})
            continue
        name = output_name(col)
        description = col.description
        if col.personal == "postcode_to_lsoa":
            columns.append({"name": name, "data_type": "varchar",
                            "description": f"LSOA (2011) of {col.name}, looked up at ingest; the postcode is not kept"})
            continue
        if col.personal == "pseudonymise":
            description = f"Keyed pseudonym (HMAC-SHA-256) of {col.name}; the raw value never passes ingest"
        if col.free_text == "redact":
            description = (f"{col.description}; NHS Numbers, postcodes, telephone numbers, e-mail addresses and "
                           "dates typed into it are replaced by placeholders ([NHS_NUMBER], ...) at ingest; names "
                           "are not found")
        columns.append({"name": name, "data_type": SQL_TYPES[col.type], "description": description})
    columns += [{"name": n, "data_type": t, "description": d} for n, t, d in LINEAGE]
    return columns


def render_sources(contracts: tuple[Contract, ...]) -> str:
    # struct_pack, not a {...} literal: dbt-duckdb formats external_location with str.format_map
    ledger_cols = "struct_pack(" + ", ".join(f"{k} := '{v}'" for k, v in LEDGER_COLUMNS.items()) + ")"
    doc = {
        "version": 2,
        "sources": [
            {
                "name": "raw",
                "description": "Accepted rows of every feed, as immutable Parquet batches written by ingest. "
                               "GENERATED from contracts/*.yaml by `outcomes contracts sync`: do not edit.",
                "config": {"external_location":
                           "read_parquet('{{ var(\"lake_dir\") }}/raw/{name}/*/*.parquet', "
                           "hive_partitioning=false, union_by_name=true)"},
                "tables": [
                    {"name": c.feed_id, "description": f"{c.title}. {c.description}".strip(),
                     "meta": {"organisation": c.organisation, "feed": c.feed, "contract": f"contracts/{c.feed_id}.yaml",
                              "grain": "one row per delivered record that passed the row checks"},
                     "columns": raw_columns(c)}
                    for c in contracts
                ],
            },
            {
                "name": "lake",
                "description": "Ingest bookkeeping in the lake.",
                "tables": [
                    {"name": "ledger",
                     "description": "One row per delivered file: status loaded, rejected or duplicate.",
                     "config": {"external_location":
                                "read_json('{{ var(\"lake_dir\") }}/ledger/*.json', format='auto', "
                                f"union_by_name=true, columns={ledger_cols})"}},
                ],
            },
        ],
    }
    header = "# GENERATED by `outcomes contracts sync` from contracts/*.yaml. Do not edit by hand.\n"
    return header + yaml.safe_dump(doc, sort_keys=False, width=120, allow_unicode=True)


def sync(settings: Settings | None = None, check: bool = False) -> bool:
    """Write the sources file; with ``check``, only report whether it is up to date. Returns True if current."""
    settings = settings or get_settings()
    target = settings.dbt_project_dir / SOURCES_FILE
    text = render_sources(load_contracts(settings.contracts_dir))
    current = target.read_text(encoding="utf-8") if target.exists() else ""
    if check or current == text:
        return current == text
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return True
