"""Shared fixtures: every test gets its own working folder and a throwaway pseudonymisation key. The hooks below
order the test files longest first for `make test`'s workers (tests/file_order.py)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from config.settings import Settings, get_settings
from tests import file_order

TEST_KEY = "test-key-only-for-tests-0123456789"


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """GIVEN an empty working folder and a key in the environment."""
    monkeypatch.setenv("OUTCOMES_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv("OUTCOMES_PSEUDONYM_KEY", TEST_KEY)
    return get_settings()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--record-durations", action="store_true",
                     help=f"write each test file's seconds to {file_order.DURATIONS.name} at the end "
                          "(the order make test runs the files in)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items[:] = file_order.longest_first(items, file_order.read_durations())


_seconds: defaultdict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _seconds[file_order.file_of(report.nodeid)] += report.duration


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if config.getoption("record_durations") and not hasattr(config, "workerinput") and _seconds:
        file_order.write_durations(_seconds)
