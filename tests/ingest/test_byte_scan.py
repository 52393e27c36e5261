"""The one streamed pass over a delivered file's bytes: layout facts the typing pass relies on.

GIVEN small files written here (comma-delimited, the RWP ECDS contract)
WHEN the bytes are scanned
THEN a file is judged free of padded cells only when no cell starts or ends with a space, wherever the space is
(line start or end, either side of a delimiter, a CRLF ending, the last byte, a 1 MiB read boundary); a quoted
file is never judged free of them.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from config.contracts import contract_for_feed
from ingest.file_checks import _BLOCK, _Layout, scan_bytes

CASES = {
    "no spaces": (b"a,b\n1,2\n3,4\n", False),
    "space inside a cell": (b"a,b\n1,x y\n", False),
    "leading space after a delimiter": (b"a,b\n1, 2\n", True),
    "trailing space before a delimiter": (b"a,b\n1 ,2\n", True),
    "leading space at a line start": (b"a,b\n 1,2\n", True),
    "trailing space at a line end": (b"a,b\n1,2 \n", True),
    "trailing space before CRLF": (b"a,b\r\n1,2 \r\n", True),
    "trailing space as the last byte": (b"a,b\n1,2 ", True),
    "whitespace-only cell": (b"a,b\n1, \n", True),
    "quoted file": (b'a,b\n1,"2"\n', True),
}


@pytest.mark.parametrize("name", CASES)
def test_padded_cells_are_detected(name, settings, tmp_path):
    data, padded = CASES[name]
    path = tmp_path / "RWP_ECDS_2025-04.csv"
    path.write_bytes(data)
    scan = scan_bytes(path, contract_for_feed(settings.contracts_dir, "rwp_ecds"))
    assert scan.padded_cells is padded
    assert scan.problem is None


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_a_space_next_to_a_delimiter_at_the_read_boundary_is_seen(offset, settings, tmp_path):
    """The ", " pair split across two reads (or just beside the split) still counts."""
    head = b"a,b\n"
    filler = b"1,x\n" * ((_BLOCK - len(head)) // 4)
    body = head + filler
    body += b"y" * (_BLOCK - len(body) - 1 + offset)  # the delimiter lands at _BLOCK - 1 + offset
    path = tmp_path / "RWP_ECDS_2025-04.csv"
    path.write_bytes(body + b", 2\n")
    scan = scan_bytes(path, contract_for_feed(settings.contracts_dir, "rwp_ecds"))
    assert scan.padded_cells is True
    assert scan.one_record_per_line is True


def _reference_layout(data: bytes) -> tuple[bool, bool, int]:
    """The layout judged on the whole file at once: (one record per line, padded cells, physical lines)."""
    text = b"\n" + data  # the virtual line end before the file
    simple = b'"' not in data and b"\n\n" not in text and b"\n\r\n" not in text
    padded = any(p in text for p in (b", ", b" ,", b"\n ", b" \n", b" \r")) or data.endswith(b" ")
    return simple, padded, data.count(b"\n") + (not data.endswith(b"\n"))


@given(data=st.binary(min_size=1, max_size=60).map(lambda b: bytes(b"a, \n\r\""[x % 6] for x in b)),
       block=st.integers(min_value=1, max_value=7))
@hypothesis_settings(max_examples=400, deadline=None)
def test_layout_fed_in_any_blocks_matches_the_whole_file_judgement(data, block):
    """Whatever the read size, the streamed judgement equals the one made on the whole file."""
    layout = _Layout(b",")
    for start in range(0, len(data), block):
        layout.add(data[start:start + block])
    simple, padded, lines = _reference_layout(data)
    assert layout.simple is simple
    assert layout.lines() == lines
    if simple:  # padded cells are only judged while the layout is simple
        assert layout.padded_cells() is padded
