"""Typed settings, built on demand from the environment (never read at import time).

Every path the pipeline touches hangs off one working folder (``OUTCOMES_WORK_DIR``, default ``<repo>/.work``),
so a test or a second deployment can point the whole pipeline somewhere else with one variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KEY_ENV = "OUTCOMES_PSEUDONYM_KEY"


class SettingsError(RuntimeError):
    """A setting is missing or invalid; the message says which variable to set."""


@dataclass(frozen=True)
class Settings:
    project_root: Path
    work_dir: Path
    contracts_dir: Path
    measures_dir: Path  # the measure registry: one YAML per measure (config/measures.py)
    reference_dir: Path
    dbt_project_dir: Path
    expectations_dir: Path
    # Synthetic data uses the NHS test range 999 000 0000-999 999 9999; a live deployment rejects it.
    allow_test_nhs_numbers: bool = False

    @property
    def docs_dir(self) -> Path:
        return self.project_root / "docs"

    @property
    def landing_dir(self) -> Path:
        return self.work_dir / "landing"

    @property
    def inbox_dir(self) -> Path:
        """Files claimed from landing by an ingest run, one folder per run."""
        return self.work_dir / "inbox"

    @property
    def archive_dir(self) -> Path:
        return self.work_dir / "archive"

    @property
    def lake_dir(self) -> Path:
        return self.work_dir / "lake"

    @property
    def raw_dir(self) -> Path:
        return self.lake_dir / "raw"

    @property
    def quarantine_dir(self) -> Path:
        return self.lake_dir / "quarantine"

    @property
    def ledger_dir(self) -> Path:
        return self.lake_dir / "ledger"

    @property
    def staging_tmp_dir(self) -> Path:
        """Batches being written; renamed into the lake only when complete."""
        return self.lake_dir / "_incoming"

    @property
    def warehouse_path(self) -> Path:
        return self.work_dir / "warehouse" / "outcomes.duckdb"

    @property
    def snapshot_path(self) -> Path:
        """Read-only copy of the warehouse for analysts, refreshed after each build."""
        return self.work_dir / "warehouse" / "outcomes_snapshot.duckdb"

    @property
    def publications_dir(self) -> Path:
        return self.work_dir / "publications"

    @property
    def synth_dir(self) -> Path:
        return self.work_dir / "synth"

    @property
    def alerts_path(self) -> Path:
        return self.work_dir / "alerts" / "alerts.jsonl"

    @property
    def airflow_home(self) -> Path:
        return self.work_dir / "airflow"

    @property
    def logs_dir(self) -> Path:
        return self.work_dir / "logs"


def get_settings() -> Settings:
    """Build settings from the environment as it is now."""
    root = Path(os.environ.get("OUTCOMES_PROJECT_ROOT", PROJECT_ROOT)).resolve()
    work = Path(os.environ.get("OUTCOMES_WORK_DIR", root / ".work")).resolve()
    return Settings(
        project_root=root,
        work_dir=work,
        contracts_dir=Path(os.environ.get("OUTCOMES_CONTRACTS_DIR", root / "contracts")).resolve(),
        measures_dir=Path(os.environ.get("OUTCOMES_MEASURES_DIR", root / "measures")).resolve(),
        reference_dir=Path(os.environ.get("OUTCOMES_REFERENCE_DIR", root / "reference")).resolve(),
        dbt_project_dir=root / "dbt_project",
        expectations_dir=root / "expectations",
        allow_test_nhs_numbers=os.environ.get("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", "").lower() in ("1", "true", "yes"),
    )


def get_pseudonym_key() -> bytes:
    """The HMAC key for pseudonymising NHS Numbers. Only ever held in memory; refuses to run without it."""
    value = os.environ.get(KEY_ENV, "")
    if len(value) < 16:
        raise SettingsError(
            f"{KEY_ENV} is not set (or shorter than 16 characters): set the pseudonymisation key in the "
            "environment or an Airflow connection; it is never stored by this project"
        )
    return value.encode("utf-8")
