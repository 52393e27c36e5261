"""Shared fixtures: every test gets its own working folder and a throwaway pseudonymisation key."""

from __future__ import annotations

import pytest

from config.settings import Settings, get_settings

TEST_KEY = "test-key-only-for-tests-0123456789"


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """GIVEN an empty working folder and a key in the environment."""
    monkeypatch.setenv("OUTCOMES_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv("OUTCOMES_PSEUDONYM_KEY", TEST_KEY)
    return get_settings()


# The slowest test files, slowest first (file totals of `make test --durations`, fresh clone, 2 workers). The
# Makefile runs pytest-xdist with --dist loadfile --no-loadscope-reorder, which keeps this order (by default xdist
# puts the files with the most tests first): each worker starts on one of the two slowest, and the many quick
# files fill the gaps instead of one worker finishing long after the other.
SLOWEST_FILES = (
    "tests/e2e/test_scheduler.py",
    "tests/e2e/test_chaos.py",
    "tests/e2e/test_pipeline_run.py",
    "tests/e2e/test_scheduler_kill.py",
    "tests/e2e/test_scheduler_pull.py",
    "tests/lake/test_optouts_retroactive.py",
    "tests/e2e/test_r1a_measures.py",
    "tests/e2e/test_planned_care_measures.py",
    "tests/transform/test_dbt_unit_tests.py",
    "tests/report/test_report_site.py",
    "tests/e2e/test_welsh_residents.py",
    "tests/e2e/test_measure_values_e2e.py",
    "tests/e2e/test_inequalities_e2e.py",
    "tests/dags/test_airflow_shutdown.py",
    "tests/e2e/test_apc_measures.py",
    "tests/e2e/test_community_and_experience_measures.py",
    "tests/ingest/test_concurrency.py",
)


def pytest_collection_modifyitems(session, config, items) -> None:
    """Slowest files first (SLOWEST_FILES), the others after them in their usual order."""
    rank = {name: i for i, name in enumerate(SLOWEST_FILES)}
    root = config.rootpath
    items.sort(key=lambda item: rank.get(item.path.relative_to(root).as_posix(), len(rank)))
