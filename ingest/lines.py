"""Physical line numbers of CSV records, computed with numpy (no Python loop over rows).

A record ends at a newline outside quotes; blank lines are not records. DuckDB's CSV reader returns records in
file order, so the k-th record it accepts is the k-th record here once its own rejected lines are removed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

_CHUNK = 64 * 1024 * 1024


def record_start_lines(path: Path, quote: bytes = b'"', known_lines: int | None = None) -> np.ndarray:
    """1-based physical line number where each non-blank record starts (header included as the first).

    ``known_lines``: the file's line count when the byte scan found every line to be one record (no quote
    character, no blank line); then no pass over the file is needed."""
    if known_lines is not None:
        return np.arange(1, known_lines + 1, dtype=np.int64)
    starts: list[np.ndarray] = []
    line_offset = 0  # newlines seen before this chunk
    in_quotes = False
    prev_was_terminator = True  # the file start behaves like the end of a record
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            data = np.frombuffer(chunk, dtype=np.uint8)
            is_quote = data == quote[0]
            parity = np.bitwise_xor.accumulate(is_quote.view(np.uint8))
            if in_quotes:
                parity = 1 - parity
            newline = data == 10
            nl_idx = np.flatnonzero(newline)
            terminators = newline & (parity == 0)
            # A record starts on the line after a terminator (or at the chunk start after one), if that line is
            # not itself blank. Work on positions: the byte after each terminator.
            term_idx = np.flatnonzero(terminators)
            # candidate starts: position 0 if the previous chunk ended a record, plus term_idx + 1
            cand = term_idx + 1
            if prev_was_terminator:
                cand = np.concatenate(([0], cand))
            cand = cand[cand < data.size]
            # skip blank lines: a candidate whose byte is a newline or carriage return+newline
            first = data[cand]
            blank = (first == 10) | ((first == 13) & (np.append(data, 0)[np.minimum(cand + 1, data.size)] == 10))
            cand = cand[~blank]
            # line number of a start position = newlines before it + 1
            starts.append(line_offset + np.searchsorted(nl_idx, cand, side="left") + 1)
            line_offset += int(nl_idx.size)
            in_quotes = bool(parity[-1]) if data.size else in_quotes
            prev_was_terminator = bool(terminators[-1]) if data.size else prev_was_terminator
    return np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)


def accepted_record_lines(path: Path, rejected_lines: set[int] | list[int],
                          known_lines: int | None = None) -> np.ndarray:
    """Line numbers of the data records DuckDB accepted, in order (header and rejected records removed)."""
    lines = record_start_lines(path, known_lines=known_lines)[1:]
    if len(rejected_lines):
        lines = lines[~np.isin(lines, np.fromiter(rejected_lines, dtype=np.int64))]
    return lines


def lines_at_offsets(path: Path, offsets: np.ndarray) -> np.ndarray:
    """1-based physical line number of each byte offset (newlines before it + 1), streamed in chunks.

    DuckDB's rejects table counts records (quoted newlines do not advance its ``line``); its
    ``line_byte_position`` is exact to within the record's first byte, which is never a newline.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    counts = np.zeros(offsets.size, dtype=np.int64)
    start = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            nl = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10) + start
            counts += np.searchsorted(nl, offsets, side="left")
            start += len(chunk)
    return counts + 1
