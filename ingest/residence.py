"""Residents outside England: how many accepted rows of a batch live outside England's deprivation index.

Wye Valley treats people from the Welsh border, so a Welsh LSOA (``W01...``) is a valid residence (the ``lsoa``
check accepts every LSOA of England and Wales). The rows are kept, and counted here so that an engineer sees them
in the ingest result, the ledger and ``outcomes status``: ``rows_outside_england`` is the number of accepted rows
whose LSOA of residence (a column with ``check: lsoa``, or one derived from a postcode) is not an English one,
that is whose GSS code does not start with ``E``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from config.contracts import Contract
from ingest.row_checks import lit, q
from lake.schema import output_name

ENGLAND = "E"  # first letter of every English GSS code (E01 for an LSOA); W01 is Wales


def residence_columns(contract: Contract) -> list[str]:
    """The columns of a written batch that hold an LSOA of residence."""
    return [output_name(c) for c in contract.columns if c.check == "lsoa" or c.personal == "postcode_to_lsoa"]


def _all_english(column_stats: dict) -> bool:
    """From a Parquet writer's statistics of one column: every value is null or starts with E (the exact minimum
    and maximum both do, so everything sorted between them does too)."""
    if "min" not in column_stats and "max" not in column_stats:
        return True  # no value at all
    exact = column_stats.get("min_is_exact") == "true" and column_stats.get("max_is_exact") == "true"
    return exact and all(column_stats.get(k, "").startswith(ENGLAND) for k in ("min", "max"))


def rows_outside_england(con: duckdb.DuckDBPyConnection, contract: Contract, files: list[Path],
                         stats: list[dict]) -> int:
    """Rows of a written batch (its Parquet ``files``, with the writer's per-file column ``stats``) whose
    residence is outside England. The statistics settle a batch of English residents without reading it back."""
    columns = residence_columns(contract)
    if not columns or not files or all(_all_english(s.get(q(c)) or {}) for s in stats for c in columns):
        return 0
    outside = " or ".join(f"not starts_with({q(c)}, {lit(ENGLAND)})" for c in columns)
    listed = ", ".join(lit(str(f)) for f in files)
    return con.execute(f"select count(*) from read_parquet([{listed}]) where {outside}").fetchone()[0]
