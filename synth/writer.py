"""Write one extract file exactly as the contract declares it (CSV through DuckDB, XLSX through openpyxl).

Values are formatted with the contract's own date and timestamp formats, so a file written here parses with
the contract; a defect that changes the header (schema drift) passes ``header`` names instead.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from config.contracts import Contract

_FIXED_ZIP_TIME = (2025, 1, 1, 0, 0, 0)


def _select_list(contract: Contract, header: list[str]) -> str:
    parts = []
    for col, name in zip(contract.columns, header, strict=True):
        ref = f'"{col.name}"'
        if col.type == "timestamp":
            expr = f"strftime(cast({ref} as timestamp), '{contract.file.timestamp_format}')"
        elif col.type == "date":
            expr = f"strftime(cast({ref} as date), '{contract.file.date_format}')"
        elif col.type == "boolean":
            expr = f"case when {ref} then 'Y' when not {ref} then 'N' end"
        else:
            expr = f"cast({ref} as varchar)"
        parts.append(f'{expr} as "{name}"')
    return ", ".join(parts)


def _cell(value: object, kind: str) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if kind == "date":
        return pd.Timestamp(value).date() if not isinstance(value, date) else value
    if kind == "timestamp":
        return pd.Timestamp(value).to_pydatetime() if not isinstance(value, datetime) else value
    if kind == "boolean":
        return "Y" if value else "N"
    if kind in ("integer", "decimal"):
        return value.item() if hasattr(value, "item") else value
    return str(value)


def write_xlsx(df: pd.DataFrame, path: Path, contract: Contract, header: list[str] | None = None) -> None:
    """Native Excel dates; codes as text. Row by row (openpyxl has no bulk writer): only for small feeds."""
    from openpyxl import Workbook

    header = header or contract.column_names
    kinds = [c.type for c in contract.columns]
    wb = Workbook(write_only=True)
    wb.properties.created = wb.properties.modified = datetime(2025, 1, 1)
    ws = wb.create_sheet(contract.file.sheet or "Sheet1")
    ws.append(header)
    columns = [df[c].tolist() for c in contract.column_names]
    date_fmt = {"date": "yyyy-mm-dd", "timestamp": "yyyy-mm-dd hh:mm:ss"}
    from openpyxl.cell import WriteOnlyCell

    for values in zip(*columns, strict=True):  # noqa: B905 - row loop is inherent to the XLSX format
        row = []
        for value, kind in zip(values, kinds, strict=True):
            cell = WriteOnlyCell(ws, value=_cell(value, kind))
            if kind in date_fmt and cell.value is not None:
                cell.number_format = date_fmt[kind]
            row.append(cell)
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    _deterministic_zip(buffer.getvalue(), path)


def _deterministic_zip(data: bytes, path: Path) -> None:
    """Rewrite the XLSX zip with fixed member timestamps so the same seed gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                body = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>2025-01-01T00:00:00Z", body)
            out.writestr(fixed, body)


def write_extract(df: pd.DataFrame, path: Path, contract: Contract, header: list[str] | None = None,
                  encoding: str | None = None) -> None:
    with Appender(path, contract, header, encoding) as out:
        out.append(df)


class Appender:
    """Writes a file chunk by chunk (CSV streams; XLSX and Parquet are collected and written on close)."""

    def __init__(self, path: Path, contract: Contract, header: list[str] | None = None,
                 encoding: str | None = None):
        self.path, self.contract = path, contract
        self.header = header or contract.column_names
        self.encoding = encoding or contract.file.encoding
        self.rows = 0
        self._held: list[pd.DataFrame] = []
        self._con = None
        self._fh = None
        path.parent.mkdir(parents=True, exist_ok=True)
        if contract.file.format == "csv":
            self._con = duckdb.connect()
            self._con.execute("set threads = 2; set preserve_insertion_order = true")
            self._fh = path.open("wb")
            self._fh.write((contract.file.delimiter.join(self.header) + "\n").encode(self.encoding))
            self._part = path.with_name(path.name + ".part")

    def append(self, df: pd.DataFrame) -> None:
        self.rows += len(df)
        if self._fh is None:
            self._held.append(df)
            return
        if not len(df):
            return
        delim = self.contract.file.delimiter.replace("'", "''")
        self._con.register("frame", df[self.contract.column_names])
        self._con.execute(
            f"copy (select {_select_list(self.contract, self.header)} from frame) to '{self._part}' "
            f"(format csv, header false, delimiter '{delim}', quote '\"')"
        )
        self._con.unregister("frame")
        body = self._part.read_bytes()
        if self.encoding != "utf-8":
            body = body.decode("utf-8").encode(self.encoding)
        self._fh.write(body)
        self._part.unlink()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._con.close()
            return
        empty = pd.DataFrame(columns=self.contract.column_names)
        df = pd.concat(self._held, ignore_index=True) if self._held else empty
        if self.contract.file.format == "xlsx":
            write_xlsx(df, self.path, self.contract, self.header)
        else:
            df[self.contract.column_names].to_parquet(self.path, index=False)

    def __enter__(self) -> Appender:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
