"""Fixtures for publication tests: a private working folder and a small hand-made warehouse.

Until the dbt mart exists, ``make_mart`` builds ``marts.ed_four_hour_performance`` with the agreed shape
(docs/architecture.md): one row per organisation_code, month and imd_quintile, true unrounded counts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import duckdb
import pytest

from config.settings import Settings, get_settings

Row = tuple  # (organisation_code, month 'YYYY-MM-01', imd_quintile, attendances, within_four_hours[, pct])


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """Settings whose working folder is this test's temporary folder (via OUTCOMES_WORK_DIR)."""
    monkeypatch.setenv("OUTCOMES_WORK_DIR", str(tmp_path / "work"))
    return get_settings()


@pytest.fixture
def make_mart(settings) -> Callable[[Sequence[Row]], None]:
    """Create (or replace) the warehouse with ``marts.ed_four_hour_performance`` holding ``rows``.

    pct_within_four_hours is computed from the true counts unless a row gives it as a sixth value.
    """

    def build(rows: Sequence[Row]) -> None:
        path = settings.warehouse_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        con = duckdb.connect(str(path))
        try:
            con.execute("create schema marts")
            con.execute(
                """
                create table marts.ed_four_hour_performance (
                    organisation_code varchar, month date, imd_quintile varchar,
                    attendances bigint, within_four_hours bigint, pct_within_four_hours double)
                """
            )
            for org, month, quintile, attendances, within, *pct in rows:
                value = pct[0] if pct else 100.0 * within / attendances
                con.execute(
                    "insert into marts.ed_four_hour_performance values (?, ?::date, ?, ?, ?, ?)",
                    [org, month, quintile, attendances, within, value],
                )
        finally:
            con.close()

    return build
