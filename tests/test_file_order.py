"""The order `make test` runs test files in (tests/file_order.py): longest first, new files before them."""

from __future__ import annotations

from dataclasses import dataclass

from tests import file_order


@dataclass
class Node:
    nodeid: str


def ids(items) -> list[str]:
    return [i.nodeid for i in items]


def test_files_go_longest_first_with_their_tests_together_and_new_files_before_them():
    """GIVEN tests of four files collected interleaved, two files recorded (a.py 5 s, b.py 90 s), c.py and d.py new
    WHEN they are ordered
    THEN the new files come first (in collected order), then b.py, then a.py; each file's tests keep their order."""
    items = [Node("tests/a.py::t1"), Node("tests/b.py::t1"), Node("tests/c.py::t1[x]"), Node("tests/a.py::t2"),
             Node("tests/d.py::t1"), Node("tests/b.py::t2"), Node("tests/c.py::t1[y]")]
    ordered = file_order.longest_first(items, {"tests/a.py": 5.0, "tests/b.py": 90.0})
    assert ids(ordered) == ["tests/c.py::t1[x]", "tests/c.py::t1[y]", "tests/d.py::t1", "tests/b.py::t1",
                            "tests/b.py::t2", "tests/a.py::t1", "tests/a.py::t2"]


def test_recorded_durations_round_trip_and_a_missing_record_orders_nothing(tmp_path):
    """GIVEN seconds per file written to a record, and no record at another path
    WHEN they are read back
    THEN the record gives the seconds to a tenth, and the missing one gives none (collected order kept)."""
    record = tmp_path / "durations.json"
    file_order.write_durations({"tests/b.py": 90.04, "tests/a.py": 5.26}, record)
    assert file_order.read_durations(record) == {"tests/a.py": 5.3, "tests/b.py": 90.0}
    items = [Node("tests/a.py::t"), Node("tests/b.py::t")]
    assert ids(file_order.longest_first(items, file_order.read_durations(tmp_path / "none.json"))) == ids(items)


def test_the_record_names_only_test_files_that_exist():
    """GIVEN the checked-in record
    THEN every file it names exists (a renamed file would otherwise be ordered as new)."""
    root = file_order.DURATIONS.parent.parent
    missing = [name for name in file_order.read_durations() if not (root / name).is_file()]
    assert file_order.read_durations() and not missing, f"{missing}: run `make test-durations` to record again"
