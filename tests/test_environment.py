"""The virtual environment `make env` creates (Makefile): its packages are compiled to bytecode when installed.

This machine sets PYTHONDONTWRITEBYTECODE, so a module left uncompiled at install is compiled again by every
process that imports it: every dbt build, every `outcomes` command and every Airflow task. An environment installed
without it made the suite half as slow again (1,188 s against 821 s)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

# What the pipeline's processes import first: dbt, Airflow, DuckDB, pandas and Great Expectations.
PACKAGES = ["dbt.cli.main", "airflow.models.dag", "duckdb", "pandas.core.frame", "great_expectations.core"]


@pytest.mark.parametrize("name", PACKAGES)
def test_installed_packages_carry_their_bytecode(name):
    """GIVEN the environment this test runs in
    THEN each package the pipeline imports has the compiled bytecode of its module beside the source."""
    origin = importlib.util.find_spec(name).origin
    assert origin and origin.endswith(".py"), origin
    compiled = Path(importlib.util.cache_from_source(origin))
    assert compiled.is_file(), f"{name}: no {compiled.name} beside {origin} (installed without --compile-bytecode?)"
