"""Fixtures for publication tests: a private working folder and a small hand-made warehouse.

Until the dbt mart exists, ``make_mart`` builds ``marts.ed_four_hour_performance`` with the agreed shape
(docs/architecture.md): one row per organisation_code, month and imd_quintile, true unrounded counts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import duckdb
import pytest

from config.settings import Settings, get_settings
from lake.ledger import write_entry

Row = tuple  # (organisation_code, month 'YYYY-MM-01', imd_quintile, attendances, within_four_hours[, pct])


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """Settings whose working folder is this test's temporary folder (via OUTCOMES_WORK_DIR)."""
    monkeypatch.setenv("OUTCOMES_WORK_DIR", str(tmp_path / "work"))
    return get_settings()


ED_FEEDS = {"RWP": "rwp_ecds", "RLQ": "rlq_ecds"}


def record_delivery(settings: Settings, feed_id: str, month: str, *, status: str = "loaded", version: int = 1,
                    received_at: str = "2024-02-05T09:00:00+00:00", rule: str | None = None,
                    reason: str | None = None) -> dict:
    """Write a ledger row for a delivery of ``feed_id`` declaring ``month`` ('YYYY-MM-01'), as ingest would."""
    stamp = received_at.replace("-", "").replace(":", "")[:15]
    suffix = f"_v{version}" if version > 1 else ""
    entry = {"batch_id": f"{stamp}_{feed_id}_{month}_v{version}_{status}", "feed_id": feed_id, "status": status,
             "file": f"{feed_id.upper()}_{month[:7].replace('-', '')}{suffix}.csv",
             "declared_period": month, "periods": [month] if status == "loaded" else [], "version": version,
             "received_at": received_at, "claimed_at": received_at, "replaces": "declared_period",
             "sha256": f"{feed_id}{month}{version}", "rule": rule, "reason": reason}
    write_entry(settings, entry)
    return entry


@pytest.fixture
def make_mart(settings) -> Callable[[Sequence[Row]], None]:
    """Create (or replace) the warehouse with ``marts.ed_four_hour_performance`` holding ``rows``.

    pct_within_four_hours is computed from the true counts unless a row gives it as a sixth value. Each
    organisation's months are recorded in the ledger as loaded deliveries of its ECDS feed (``deliver=False``: not).
    """

    def build(rows: Sequence[Row], deliver: bool = True) -> None:
        if deliver:
            for org, month in sorted({(r[0], r[1]) for r in rows}):
                if org in ED_FEEDS and not (settings.ledger_dir / f"{_batch(org, month)}.json").exists():
                    record_delivery(settings, ED_FEEDS[org], month)
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


def _batch(org: str, month: str) -> str:
    return f"20240205T090000_{ED_FEEDS[org]}_{month}_v1_loaded"
