"""Write a partner's rows as CSV, Parquet and an XLSX workbook.

CSV: UTF-8, ``\\n`` line endings, ``*`` for a suppressed cell (an empty count, or an empty derived value on a row
flagged ``suppressed``), and any text cell a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``,
``@``, tab or carriage return) neutralised by a leading apostrophe (OWASP's advice for CSV injection). Parquet:
the publication's typed schema, nulls where suppressed. XLSX: a README sheet (agreement, rules, caveats), one
sheet per table and a dictionary sheet, with the same neutralisation; every cell is written as text (XlsxWriter,
told never to turn a string into a formula, a number or a link), a row at a time (its constant-memory mode). The
ICB's workbook of the synthetic year (20,000 rows): 2.4-2.5 s, against 5.0-5.6 s with openpyxl (bench/results.md,
issue 18, twenty-fifth round).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

from publish.files import arrow_schema
from publish.spec import TableSpec

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SUPPRESSED = "*"


def neutralise(value: object) -> object:
    """A text value a spreadsheet would evaluate, made inert; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def for_people(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """The rows as text for CSV and XLSX: suppressed cells ``*``, numbers at their decimals, text neutralised."""
    out = pd.DataFrame(index=frame.index)
    flag = frame[spec.disclosure.flag_column].astype(bool)
    for col in spec.columns:
        values = frame[col.name]
        empty = values.isna()
        if col.kind == "rate":
            text = values.map(lambda v, d=col.decimals: "" if pd.isna(v) else f"{v:.{d}f}")
        elif col.type == "boolean":
            text = values.map(lambda v: "" if v is None or pd.isna(v) else ("true" if v else "false"))
        elif col.type == "date":
            text = values.map(lambda v: "" if pd.isna(v) else pd.Timestamp(v).date().isoformat())
        else:
            text = values.map(lambda v: "" if v is None or pd.isna(v) else str(v))
        if col.kind == "count":
            withheld = empty
        elif col.kind == "rate" or col.hidden_with is not None:
            withheld = empty & flag
        else:
            withheld = pd.Series(False, index=frame.index)
        out[col.name] = text.mask(withheld, SUPPRESSED).map(neutralise)
    out[spec.disclosure.flag_column] = flag.map({True: "true", False: "false"})
    return out


def write_csv(people: pd.DataFrame, path: Path) -> None:
    """The CSV of rows already made text (:func:`for_people`, made once for the CSV and the workbook)."""
    people.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_parquet(frame: pd.DataFrame, spec: TableSpec, path: Path) -> None:
    pq.write_table(pa.Table.from_pandas(frame, schema=arrow_schema(spec), preserve_index=False), path)


# every cell is text: none becomes a formula, a number or a link, whatever it reads like
_AS_TEXT = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
            "strings_to_urls": False}


def write_xlsx(tables: dict[str, pd.DataFrame], readme: list[tuple[str, str]], dictionary: list[dict],
               path: Path) -> None:
    """One workbook: README first, then each table (its rows already made text: :func:`for_people`, as for the
    CSV), then the data dictionary."""
    columns = ["table", "kind", "name", "type", "description"]
    book = xlsxwriter.Workbook(str(path), _AS_TEXT)
    try:
        _write_rows(book, "README", ([neutralise(key), neutralise(value)] for key, value in readme))
        for name, people in tables.items():
            # the rows as lists of str: iterating the frame's (Arrow) columns row by row cost 4x as much
            _write_rows(book, name[:31], itertools.chain([list(people.columns)],
                                                         people.to_numpy(dtype=object).tolist()))
        _write_rows(book, "dictionary", itertools.chain(
            [columns], ([neutralise(str(entry.get(c, ""))) for c in columns] for entry in dictionary)))
    finally:
        book.close()


def _write_rows(book: xlsxwriter.Workbook, name: str, rows: Iterable[Sequence[str]]) -> None:
    """A sheet of text cells; an empty text is an empty cell (no cell at all)."""
    sheet = book.add_worksheet(name)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value:
                sheet.write_string(r, c, value)
