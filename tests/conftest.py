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

