"""File-level checks that run before any row is read: path, size, bytes, encoding, header, manifest."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from config.contracts import Contract
from ingest.errors import FileRejected

_BLOCK = 1024 * 1024


@dataclass
class ByteScan:
    """What one streamed pass over a delivered file's bytes learned (hash, encoding, layout)."""

    sha256: str
    size_bytes: int
    one_record_per_line: bool = False  # no quote character and no blank line: line n+1 holds record n
    lines: int = 0  # physical lines (a last line without a newline counts)
    padded_cells: bool = True  # some cell may start or end with a space (only ruled out for one-record-per-line)
    problem: FileRejected | None = None  # the first byte-level refusal, raised once the delivery is recorded

    @property
    def data_lines(self) -> int | None:
        """Records after the header when every line is one record, else None (not known without parsing)."""
        return self.lines - 1 if self.one_record_per_line and self.lines else None

    def raise_problem(self) -> None:
        if self.problem is not None:
            raise self.problem


def check_inside(path: Path, root: Path | None) -> None:
    """Refuse a path that leaves the folder it was delivered to (``..``, absolute names, symlinks out)."""
    if root is None:
        return
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise FileRejected(path.name, "file.path", "the file name leaves the landing folder",
                           expected=f"a file inside {root}", found=str(path))


def check_link(path: Path, allowed: Sequence[Path]) -> None:
    """Refuse, by its name alone (the target is never opened), a symbolic link that leads out of its own folder
    and out of every ``allowed`` folder (the working folder and the identifiable zone)."""
    if not path.is_symlink():
        return
    target = Path(os.path.realpath(path))
    folders = [Path(os.path.realpath(path.parent)), *(Path(os.path.realpath(a)) for a in allowed)]
    if not any(target.is_relative_to(folder) for folder in folders):
        raise FileRejected(path.name, "file.path", "the file is a symbolic link to a file outside its own folder",
                           expected=f"a file, or a link to one inside {', '.join(map(str, folders))}",
                           found=f"a link to {target}")


def scan_bytes(path: Path, contract: Contract) -> ByteScan:
    """One streamed pass: SHA-256, then for text formats non-empty, not binary, decodable in the declared
    encoding, and whether every line is one record (so line numbers need no second pass)."""
    digest = hashlib.sha256()
    size = path.stat().st_size
    problem = _empty_problem(path.name, size)
    text = contract.file.format == "csv"
    decoder = codecs.getincrementaldecoder(contract.file.encoding)(errors="strict")
    consumed = 0
    layout = _Layout(contract.file.delimiter.encode("ascii"))
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
            if not text or problem is not None:
                continue
            if consumed == 0 and b"\x00" in block[:8192]:
                problem = FileRejected(path.name, "file.binary", "the file holds binary data, not delimited text",
                                       expected=f"{contract.file.encoding} text", found="NUL bytes in the first 8 KiB")
                continue
            problem = _decode(decoder, block, path.name, contract, consumed, layout.newlines)
            layout.add(block)
            consumed += len(block)
    if text and problem is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            problem = FileRejected(path.name, "file.encoding", "the file ends in the middle of a character",
                                   expected=contract.file.encoding, found="a truncated multi-byte sequence")
    simple = text and layout.simple
    return ByteScan(sha256=digest.hexdigest(), size_bytes=size, one_record_per_line=simple,
                    lines=layout.lines(), padded_cells=not simple or layout.padded_cells(), problem=problem)


_NL, _CR, _SPACE = 10, 13, 32


class _Layout:
    """The line layout of a text file fed block by block, judged with numpy on the byte positions (a byte-string
    search per pattern costs about 1 ms per MB; this, all patterns together, about a third of that).

    ``simple``: no quote character and no blank line (``\n\n`` or ``\n\r\n``), so line n+1 holds record n.
    Padded cells: a space next to a delimiter or a line end. Each block is judged with the two bytes before it
    (a virtual blank line before the file), so a pattern split across blocks is seen.
    """

    def __init__(self, delimiter: bytes) -> None:
        self.delimiter = delimiter[0]
        self.simple, self.padded, self.newlines = True, False, 0
        self._tail, self._last = b"\n\n", b"\n"

    def add(self, block: bytes) -> None:
        joined = self._tail + block
        window = np.frombuffer(joined, dtype=np.uint8)
        ends = np.flatnonzero(window == _NL)
        ends = ends[ends >= 2]  # the newlines of this block (the first two bytes were judged before)
        self.newlines += len(ends)
        if self.simple:
            before, two_before = window[ends - 1], window[ends - 2]
            blank = (before == _NL) | ((before == _CR) & (two_before == _NL))
            self.simple = not (b'"' in block or blank.any())
        if self.simple and not self.padded and b" " in joined:
            # a space at index 1 (the previous block's last byte) is judged now, with the byte after it
            spaces = np.flatnonzero(window[1:-1] == _SPACE) + 1
            before, after = window[spaces - 1], window[spaces + 1]
            self.padded = bool(((before == self.delimiter) | (before == _NL)).any()
                               or ((after == self.delimiter) | (after == _NL) | (after == _CR)).any())
        self._tail = joined[-2:]
        self._last = block[-1:]

    def lines(self) -> int:
        """Physical lines (a last line without a newline counts)."""
        return self.newlines + (self._last != b"\n")

    def padded_cells(self) -> bool:
        return self.padded or self._last == b" "  # a space at the very end has no byte after it


def _empty_problem(name: str, size: int) -> FileRejected | None:
    if size == 0:
        return FileRejected(name, "file.empty", "the file is empty (0 bytes)", expected="a header and rows")
    return None


def _decode(decoder: codecs.IncrementalDecoder, block: bytes, name: str, contract: Contract, consumed: int,
            newlines: int) -> FileRejected | None:
    pending = decoder.getstate()[0]  # bytes of a character split across the previous block boundary
    try:
        decoder.decode(block, final=False)
    except UnicodeDecodeError as exc:
        bad_at = exc.start - len(pending)  # exc.start counts from the pending bytes, not this block
        bad_byte = block[bad_at] if bad_at >= 0 else pending[bad_at]
        line = newlines + block[:max(bad_at, 0)].count(b"\n") + 1
        return FileRejected(name, "file.encoding", "the bytes do not decode in the declared encoding", line=line,
                            expected=contract.file.encoding,
                            found=f"byte 0x{bad_byte:02x} at offset {consumed + bad_at}")
    return None


def read_csv_header(path: Path, contract: Contract) -> list[str]:
    with open(path, encoding=contract.file.encoding, newline="") as fh:
        text = fh.read(1024 * 1024)
    text = text.lstrip("\ufeff")
    first = next(csv.reader(io.StringIO(text), delimiter=contract.file.delimiter), None)
    if not first or not any(cell.strip() for cell in first):
        raise FileRejected(path.name, "file.header", "the first line is empty", line=1,
                           expected=", ".join(contract.column_names))
    return [cell.strip() for cell in first]


@dataclass
class HeaderMatch:
    """A delivered header matched to its contract: ``header`` with each cell named as the contract names it
    (a name delivered in another case takes the contract's spelling), the extra columns, and warnings."""

    header: list[str]
    extra: list[str]
    warnings: list[str]


def check_header(name: str, header: list[str], contract: Contract) -> HeaderMatch:
    """Missing or renamed columns reject the file; names are matched ignoring case (many extract tools write
    ``ATTENDANCE_ID``), which is reported as a warning; extra columns are returned to be reported."""
    while header and header[-1] == "":  # trailing delimiter on the header line
        header = header[:-1]
    _refuse_repeated_names(name, header)
    spelling = {c.casefold(): c for c in contract.column_names}
    matched = [spelling.get(h.casefold(), h) for h in header]
    missing = [c for c in contract.column_names if c not in matched]
    extra = [h for h in matched if h not in spelling.values()]
    if missing:
        hint = ""
        if len(header) == 1 and contract.file.delimiter not in header[0]:
            for other in (";", "\t", "|", ","):
                if other != contract.file.delimiter and other in header[0]:
                    hint = f"; the header splits on {other!r}: is the delimiter wrong?"
        found = ", ".join(extra) if extra else "no such column"
        raise FileRejected(
            name, "file.header",
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}{hint}", line=1,
            expected=", ".join(missing), found=found if len(found) < 300 else found[:300] + "...",
        )
    renamed = [f"{h} -> {m}" for h, m in zip(header, matched, strict=True) if h != m]
    warnings = ["header names matched ignoring case: " + ", ".join(renamed)] if renamed else []
    return HeaderMatch(header=matched, extra=extra, warnings=warnings)


def _refuse_repeated_names(name: str, header: list[str]) -> None:
    """A name that appears twice, even in another case (the columns could not be told apart downstream)."""
    seen: dict[str, list[str]] = {}
    for h in header:
        seen.setdefault(h.casefold(), []).append(h)
    repeated = [names for names in seen.values() if len(names) > 1]
    if not repeated:
        return
    if all(len(set(names)) == 1 for names in repeated):
        raise FileRejected(name, "file.header", "a column name appears twice", line=1,
                           found=", ".join(sorted(names[0] for names in repeated)))
    raise FileRejected(name, "file.header", "a column name appears twice (ignoring case)", line=1,
                       found="; ".join(", ".join(names) for names in repeated))


def read_manifest(path: Path, contract: Contract) -> dict | None:
    sidecar = path.with_name(path.name + contract.file.manifest_suffix)
    if not sidecar.exists():
        return None
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        message = f"the manifest {sidecar.name} is not valid JSON: {exc}"
        raise FileRejected(path.name, "file.manifest", message) from None
    return data


def check_manifest_checksum(name: str, manifest: dict | None, sha256: str) -> None:
    if manifest and manifest.get("sha256") and manifest["sha256"].lower() != sha256:
        raise FileRejected(name, "file.checksum", "the file's SHA-256 differs from its manifest",
                           expected=manifest["sha256"], found=sha256)


def check_row_count(name: str, manifest: dict | None, rows_received: int) -> None:
    if manifest and manifest.get("row_count") is not None and int(manifest["row_count"]) != rows_received:
        raise FileRejected(name, "file.row_count", "the number of rows differs from the manifest",
                           expected=str(manifest["row_count"]), found=str(rows_received))
