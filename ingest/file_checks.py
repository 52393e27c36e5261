"""File-level checks that run before any row is read: path, size, bytes, encoding, header, manifest."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from ingest.contract import Contract
from ingest.errors import FileRejected

_BLOCK = 1024 * 1024


@dataclass
class FileFacts:
    """What the file-level checks learned about a delivered file."""

    path: Path
    sha256: str
    size_bytes: int
    header: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    manifest_row_count: int | None = None


def check_inside(path: Path, root: Path | None) -> None:
    """Refuse a path that leaves the folder it was delivered to (``..``, absolute names, symlinks out)."""
    if root is None:
        return
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise FileRejected(path.name, "file.path", "the file name leaves the landing folder",
                           expected=f"a file inside {root}", found=str(path))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def check_bytes(path: Path, contract: Contract) -> None:
    """Non-empty, not binary, and (for text formats) decodable in the declared encoding, streamed."""
    name = path.name
    size = path.stat().st_size
    if size == 0:
        raise FileRejected(name, "file.empty", "the file is empty (0 bytes)", expected="a header and rows")
    if contract.file.format != "csv":
        return
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if b"\x00" in head:
        raise FileRejected(name, "file.binary", "the file holds binary data, not delimited text",
                           expected=f"{contract.file.encoding} text", found="NUL bytes in the first 8 KiB")
    decoder = codecs.getincrementaldecoder(contract.file.encoding)(errors="strict")
    consumed = 0
    newlines = 0
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            pending = decoder.getstate()[0]  # bytes of a character split across the previous block boundary
            try:
                decoder.decode(block, final=False)
            except UnicodeDecodeError as exc:
                bad_at = exc.start - len(pending)  # exc.start counts from the pending bytes, not this block
                bad_byte = block[bad_at] if bad_at >= 0 else pending[bad_at]
                line = newlines + block[:max(bad_at, 0)].count(b"\n") + 1
                raise FileRejected(
                    name, "file.encoding", "the bytes do not decode in the declared encoding", line=line,
                    expected=contract.file.encoding,
                    found=f"byte 0x{bad_byte:02x} at offset {consumed + bad_at}",
                ) from None
            consumed += len(block)
            newlines += block.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileRejected(name, "file.encoding", "the file ends in the middle of a character",
                               expected=contract.file.encoding, found="a truncated multi-byte sequence") from None


def read_csv_header(path: Path, contract: Contract) -> list[str]:
    with open(path, encoding=contract.file.encoding, newline="") as fh:
        text = fh.read(1024 * 1024)
    text = text.lstrip("\ufeff")
    first = next(csv.reader(io.StringIO(text), delimiter=contract.file.delimiter), None)
    if not first or not any(cell.strip() for cell in first):
        raise FileRejected(path.name, "file.header", "the first line is empty", line=1,
                           expected=", ".join(contract.column_names))
    return [cell.strip() for cell in first]


def check_header(name: str, header: list[str], contract: Contract) -> list[str]:
    """Missing or renamed columns reject the file; extra columns are returned to be reported."""
    expected = contract.column_names
    while header and header[-1] == "":  # trailing delimiter on the header line
        header = header[:-1]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise FileRejected(name, "file.header", "a column name appears twice", line=1, found=", ".join(dupes))
    missing = [c for c in expected if c not in header]
    extra = [h for h in header if h not in expected]
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
    return extra


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
