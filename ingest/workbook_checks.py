"""File checks of an XLSX delivery: it opens as a workbook and has the contract's sheet; and the refusal of a
workbook whose sheet cannot be read once it is opened. A damaged workbook is refused by a named rule
(``file.format``, ``file.sheet``), never left to end the run with the Excel reader's own exception.
"""

from __future__ import annotations

from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from config.contracts import Contract
from ingest.errors import FileRejected

WORKBOOK = "an Excel workbook (XLSX)"


def check_workbook(path: Path, contract: Contract) -> None:
    """An XLSX delivery opens as a workbook and has the contract's sheet (its directory only: no row is read)."""
    try:
        with CalamineWorkbook.from_path(str(path)) as workbook:
            sheets = list(workbook.sheet_names)
    except CalamineError as exc:
        raise FileRejected(path.name, "file.format", "the file is not a readable Excel workbook",
                           expected=WORKBOOK, found=_what_it_is(path, exc)) from None
    wanted = contract.file.sheet
    if not sheets or (wanted and wanted not in sheets):
        raise FileRejected(path.name, "file.sheet",
                           f"the workbook has no sheet named {wanted}" if wanted else "the workbook has no sheet",
                           expected=f"a sheet named {wanted}" if wanted else "a sheet",
                           found="sheets: " + ", ".join(sheets) if sheets else "no sheet")


def unreadable_sheet(name: str, sheet: str | int, exc: Exception) -> FileRejected:
    """The refusal of a workbook that opened but whose sheet's rows cannot be read (its XML is damaged)."""
    label = sheet if isinstance(sheet, str) else "first sheet"
    return FileRejected(name, "file.format", "the workbook's sheet cannot be read", expected=WORKBOOK,
                        found=f"the sheet {label} cannot be read: {str(exc).splitlines()[0][:200]}")


def _what_it_is(path: Path, exc: Exception) -> str:
    """What a file that is no workbook looks like, without quoting its bytes (they may be personal data)."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    reason = str(exc).splitlines()[0][:200]
    if head.startswith(b"PK\x03\x04"):
        return f"a damaged or truncated zip archive ({reason})"
    if b"\x00" not in head:  # as for file.binary: text has no NUL byte
        return "text, not a workbook (CSV bytes in a file named .xlsx?)"
    return f"neither a workbook nor text ({reason})"
