"""A CSV file whose records end in both CRLF and LF, copied with one line end (LF) so DuckDB can parse it.

DuckDB's CSV parser gives up on the whole file when line ends mix ("the state machine reached an invalid
state"). Only that failure path calls this: a file with one line-end style never pays for the copy. Only the
carriage return before a record's line feed goes (outside quotes, so a line break quoted inside a value is kept
as delivered); no line feed is added or removed, so every byte keeps its physical line number.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

_CHUNK = 16 * 1024 * 1024
_LF, _CR = 10, 13


@dataclass
class LineEnds:
    """How the records of a file end (outside quotes)."""

    crlf: int
    lf: int

    @property
    def mixed(self) -> bool:
        return self.crlf > 0 and self.lf > 0

    def warning(self) -> str:
        return (f"line ends mix CRLF ({self.crlf:,} lines) and LF ({self.lf:,} lines); "
                "each line was read up to its own end")


def copy_with_lf_ends(path: Path, target: Path, quote: bytes = b'"') -> LineEnds:
    """Write ``path`` to ``target`` with every record-ending CRLF as LF; the line ends found, by kind."""
    crlf = lf = 0
    in_quotes = False
    held_cr = False  # the previous chunk ended in a carriage return outside quotes: judged with the next byte
    with open(path, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(_CHUNK):
            data = np.frombuffer((b"\r" if held_cr else b"") + chunk, dtype=np.uint8)
            inside = np.bitwise_xor.accumulate((data == quote[0]).view(np.uint8)) ^ np.uint8(in_quotes)
            ends = np.flatnonzero((data == _LF) & (inside == 0))
            ends = ends[ends > 0]
            returns = ends[data[ends - 1] == _CR] - 1
            lf += int(np.count_nonzero(data[ends - 1] != _CR)) + int(data[0] == _LF and inside[0] == 0)
            crlf += len(returns)
            keep = np.ones(data.size, dtype=bool)
            keep[returns] = False
            held_cr = bool(data[-1] == _CR and inside[-1] == 0)
            keep[-1] &= not held_cr
            dst.write(data[keep].tobytes())
            in_quotes = bool(inside[-1])
        if held_cr:
            dst.write(b"\r")
    return LineEnds(crlf=crlf, lf=lf)
