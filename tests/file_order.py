"""The order `make test` hands test files to its two workers: the longest first (from tests/durations.json).

pytest-xdist's ``--dist loadfile`` gives each worker a whole file at a time, in the order the files were collected
(with ``--no-loadscope-reorder``; its default puts the files with the most tests first, which left the suite's
longest files, one slow test each, for last). A long file handed out last keeps one worker running alone at the end,
so the files are ordered by how long they took when last recorded, longest first: the workers finish within about
one short file of each other. A file not recorded yet goes first, so a new slow file is never the one left for
last. `make test-durations` records the durations again (a whole run of the suite).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

DURATIONS = Path(__file__).with_name("durations.json")


class Item(Protocol):
    nodeid: str


def file_of(nodeid: str) -> str:
    """The file of a test's node id (``tests/a/test_b.py::test_c[x]`` -> ``tests/a/test_b.py``)."""
    return nodeid.split("::", 1)[0]


def read_durations(path: Path = DURATIONS) -> dict[str, float]:
    """Seconds each test file took when last recorded (setup, call and teardown of its tests); {} when none are."""
    try:
        return {str(k): float(v) for k, v in json.loads(path.read_text()).items()}
    except FileNotFoundError:
        return {}


def longest_first(items: Sequence[Item], durations: Mapping[str, float]) -> list[Item]:
    """``items`` with whole files in order of recorded duration, longest first, files not recorded before all
    of them; the tests of a file, and files of equal duration, stay in their collected order."""
    first_seen: dict[str, int] = {}
    for item in items:
        first_seen.setdefault(file_of(item.nodeid), len(first_seen))

    def key(item: Item) -> tuple[float, int]:
        name = file_of(item.nodeid)
        return -durations.get(name, float("inf")), first_seen[name]

    return sorted(items, key=key)


def write_durations(seconds: Mapping[str, float], path: Path = DURATIONS) -> None:
    """Record the seconds per file (rounded to a tenth), sorted by file, one per line."""
    path.write_text(json.dumps({k: round(v, 1) for k, v in sorted(seconds.items())}, indent=0) + "\n")
