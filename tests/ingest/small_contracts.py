"""Small feed contracts that tests write to their own contracts folder (monthly CSV feeds of organisation TST)."""

from __future__ import annotations

from pathlib import Path

import yaml


def small_contract(feed: str, columns: list[dict], primary_key: str, period_column: str, **extra) -> dict:
    """A monthly CSV feed ``TST_<FEED>_<YYYY-MM>.csv`` with these columns, each file the complete statement of the
    month in its name, tolerant of rejections (threshold 50%)."""
    return {
        "organisation": "TST", "feed": feed, "title": f"Test feed {feed}",
        "file": {"pattern": f"TST_{feed.upper()}_*.csv", "format": "csv"},
        "period": {"column": period_column, "grain": "month"},
        "delivery": {"replaces": "declared_period", "period_in_name": "%Y-%m"},
        "cadence": {"frequency": "monthly", "deadline_days": 5},
        "primary_key": [primary_key], "max_rejection_rate": 0.5, "columns": columns, **extra,
    }


def use_contracts(folder: Path, monkeypatch, *contracts: dict) -> Path:
    """Write the contracts to ``folder`` and point OUTCOMES_CONTRACTS_DIR at it."""
    folder.mkdir(parents=True, exist_ok=True)
    for contract in contracts:
        (folder / f"tst_{contract['feed']}.yaml").write_text(yaml.safe_dump(contract))
    monkeypatch.setenv("OUTCOMES_CONTRACTS_DIR", str(folder))
    return folder
