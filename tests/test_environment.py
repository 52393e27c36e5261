"""The virtual environment `make env` creates (Makefile): its packages are compiled to bytecode when installed, and
the project's own modules by `make bytecode`, which `make test`, `demo`, `up` and `bench` run first.

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
    origin, compiled = source_and_bytecode(name)
    assert compiled.is_file(), f"{name}: no {compiled.name} beside {origin} (installed without --compile-bytecode?)"


def source_and_bytecode(name: str) -> tuple[str, Path]:
    """Module ``name``'s source file and where its compiled bytecode belongs."""
    origin = importlib.util.find_spec(name).origin
    assert origin and origin.endswith(".py"), origin
    return origin, Path(importlib.util.cache_from_source(origin))


# The project's own modules the pipeline's processes import: the command line, ingest, the build, the publication,
# the statistics of the SII model (an editable install leaves them uncompiled).
PROJECT_MODULES = ["outcomes.cli", "ingest.load", "transform.build", "publish.run", "stats.sii_memo"]


@pytest.mark.parametrize("name", PROJECT_MODULES)
def test_the_projects_own_modules_carry_their_bytecode(name):
    """GIVEN the working tree this test runs in (after `make bytecode`)
    THEN each of the project's modules the pipeline imports has its compiled bytecode beside the source."""
    origin, compiled = source_and_bytecode(name)
    assert compiled.is_file(), f"{name}: no {compiled.name} beside {origin} (run `make bytecode`)"
