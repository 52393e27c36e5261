"""Read a table's source relation (true, unrounded statistics) from the dbt warehouse.

The warehouse is opened read-only and closed as soon as the rows are in memory: dbt is its only writer and a
long-lived reader would block the next build.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pandas as pd

from publish.errors import SourceMissing, WarehouseBusy
from publish.spec import TableSpec

log = logging.getLogger(__name__)


def read_source(warehouse: Path, spec: TableSpec) -> pd.DataFrame:
    """Rows of ``spec.source`` with the spec's columns, in key order, dates as ``datetime.date``."""
    if not warehouse.is_file():
        raise SourceMissing(f"warehouse {warehouse} does not exist: run the dbt build before publishing")
    schema, relation = spec.source.split(".")
    columns = ", ".join(f'"{name}"' for name in spec.source_columns)
    order = ", ".join(f'"{name}"' for name in spec.keys)
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        raise WarehouseBusy(f"cannot open {warehouse} read-only (is a dbt build writing it?): {exc}") from exc
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, relation],
        ).fetchone()[0]
        if not exists:
            raise SourceMissing(
                f"source relation {spec.source} for table {spec.name!r} is not in {warehouse}: "
                "has the dbt model been built?"
            )
        keep = f"where not coalesce(({spec.exclude.where}), false)" if spec.exclude else ""
        frame = con.execute(f'select {columns} from "{schema}"."{relation}" {keep} order by {order}').df()
    except duckdb.Error as exc:
        raise SourceMissing(f"cannot read {spec.source} for table {spec.name!r} from {warehouse}: {exc}") from exc
    finally:
        con.close()
    for col in spec.columns:
        if col.type == "date":
            frame[col.name] = pd.to_datetime(frame[col.name]).dt.date
    log.info("read %d source rows of %s from %s", len(frame), spec.source, warehouse)
    return frame
