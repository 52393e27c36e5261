"""Rows that repeat an earlier row of their file in every column, collapsed into it where the contract says a
repeat is harmless (``duplicate_rows: collapse``: an opt-out list naming someone twice). Refusing such a list
would leave the previous one in force; quarantining the repeat would count a harmless row as broken.

Only rows that pass every check collapse (a broken row is quarantined each time it appears), compared on their
typed values, so ``943 476 5919`` and ``9434765919`` are one person. Collapsed rows are counted, never silent.
Contracts that quarantine repeats (the default) never run this.
"""

from __future__ import annotations

import duckdb

from config.contracts import Contract
from ingest.readers import TYPED, TYPED_ROWS
from ingest.row_checks import q


def collapse_repeated_rows(con: duckdb.DuckDBPyConnection, contract: Contract) -> dict[int, int]:
    """Delete from ``typed_rows`` each passing row that repeats an earlier passing row of its file in every
    contract column; the rows collapsed, by file (``_file``)."""
    if contract.duplicate_rows != "collapse":
        return {}
    columns = ", ".join(q(c.name) for c in contract.columns)
    con.execute(
        "create or replace temp table _repeated as select _file, _rid from ("
        f"select _file, _rid, row_number() over (partition by _file, {columns} order by _line) as n "
        f"from {TYPED} where not _bad) where n > 1")
    collapsed = dict(con.execute("select _file, count(*) from _repeated group by _file").fetchall())
    if collapsed:
        con.execute(f"delete from {TYPED_ROWS} where rowid in (select _rid from _repeated)")
    return collapsed


def collapsed_warning(rows: int) -> str:
    return (f"{rows:,} {'row' if rows == 1 else 'rows'} repeating an earlier row in every column collapsed into it "
            "(contract duplicate_rows: collapse)")
