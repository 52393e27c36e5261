"""Write a candidate frame as the published CSV and Parquet files, deterministically.

The CSV is the canonical artefact: rows in key order, UTF-8, ``\\n`` line endings, empty cells for suppressed
values, dates as YYYY-MM-DD, rates at their declared decimals, ``true``/``false`` for flags and booleans. The
same candidate always gives the same bytes, which is what makes an unchanged rerun detectable by checksum.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from publish.spec import TableSpec

_ARROW = {"varchar": pa.string(), "date": pa.date32(), "bigint": pa.int64(), "double": pa.float64(),
          "boolean": pa.bool_()}
_CSV_BOOLEAN = {True: "true", False: "false"}


def arrow_schema(spec: TableSpec) -> pa.Schema:
    fields = [pa.field(c.name, _ARROW[c.type]) for c in spec.columns]
    fields.append(pa.field(spec.disclosure.flag_column, pa.bool_(), nullable=False))
    return pa.schema(fields)


def write_csv(frame: pd.DataFrame, spec: TableSpec, path: Path) -> None:
    out = frame.copy()
    for col in spec.columns:
        if col.kind == "rate":
            out[col.name] = out[col.name].map(lambda v, d=col.decimals: "" if pd.isna(v) else f"{v:.{d}f}")
        elif col.type == "date":
            out[col.name] = out[col.name].map(lambda v: "" if pd.isna(v) else v.isoformat())
        elif col.type == "boolean":
            out[col.name] = out[col.name].map(lambda v: "" if pd.isna(v) else _CSV_BOOLEAN[bool(v)])
    flag = spec.disclosure.flag_column
    out[flag] = out[flag].map(_CSV_BOOLEAN)
    out.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_parquet(frame: pd.DataFrame, spec: TableSpec, path: Path) -> None:
    table = pa.Table.from_pandas(frame, schema=arrow_schema(spec), preserve_index=False)
    pq.write_table(table, path)


def read_parquet(path: Path) -> pd.DataFrame:
    """Read a written candidate back (nullable integers stay integers) for the gate to audit."""
    return pq.read_table(path).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
