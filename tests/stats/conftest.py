"""Counts the golden-table rows each test function matched, and prints the tally at the end of the run."""

from __future__ import annotations

from collections import Counter

import pytest

_tally: dict[str, Counter] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call" or "[testdata_" not in report.nodeid:
        return
    test = report.nodeid.split("[", 1)[0].rsplit("/", 1)[-1].replace(".py::", "::")
    golden = report.nodeid.split("[", 1)[1].rstrip("]")
    table = ":".join(golden.split(":")[:2])
    counts = _tally.setdefault(f"{test} {table}", Counter())
    counts["matched" if report.passed else "failed"] += 1


def pytest_terminal_summary(terminalreporter) -> None:
    if not _tally:
        return
    terminalreporter.section("golden rows (PHEindicatormethods workbooks)")
    for key in sorted(_tally):
        counts = _tally[key]
        terminalreporter.write_line(f"{key}: {counts['matched']} matched, {counts['failed']} failed")
