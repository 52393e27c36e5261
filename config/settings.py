"""Typed settings, built on demand from the environment (never read at import time).

Every path the pipeline touches hangs off one working folder (``OUTCOMES_WORK_DIR``, default ``<repo>/.work``),
so a test or a second deployment can point the whole pipeline somewhere else with one variable. The delivered
files (landing, inbox, archive: raw NHS Numbers and dates of birth) live in the identifiable zone, a root of its
own (``OUTCOMES_IDENTIFIABLE_DIR``, default ``<work>/identifiable``) that a deployment can put on a restricted
volume apart from the pseudonymised lake and warehouse.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KEY_ENV = "OUTCOMES_PSEUDONYM_KEY"
# The same key may come from Airflow (its secrets backend): a Variable with this key, or the password of a
# Connection with this id (e.g. AIRFLOW_VAR_OUTCOMES_PSEUDONYM_KEY / AIRFLOW_CONN_OUTCOMES_PSEUDONYM_KEY).
KEY_AIRFLOW_ID = "outcomes_pseudonym_key"
KEY_MIN_LENGTH = 16
IDENTIFIABLE_ENV = "OUTCOMES_IDENTIFIABLE_DIR"
RETENTION_ENV = "OUTCOMES_ARCHIVE_RETENTION_DAYS"
DEFAULT_ARCHIVE_RETENTION_DAYS = 30


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
    # The identifiable zone's root (landing, inbox, archive); None: <work_dir>/identifiable.
    identifiable_root: Path | None = None
    # Delivered files stay in the archive this many days after they were archived, then `outcomes purge` and
    # the daily purge_archive DAG remove them.
    archive_retention_days: int = DEFAULT_ARCHIVE_RETENTION_DAYS
    # The data's clock (OUTCOMES_AS_OF): the day late feeds are judged on, when it is not today. A date
    # (YYYY-MM-DD) for a demo or a replay of history, or "data": the day after the newest period loaded.
    as_of: str | None = None
    # Data-sharing agreements (config/agreements.py); None: <project_root>/agreements.
    agreements_root: Path | None = None

    def __post_init__(self) -> None:
        if isinstance(self.archive_retention_days, bool) or not isinstance(self.archive_retention_days, int) \
                or self.archive_retention_days < 1:
            raise SettingsError(f"{RETENTION_ENV} must be a whole number of days, at least 1: "
                                f"got {self.archive_retention_days!r}")
        zone = self.identifiable_dir
        for name, folder in (("working folder", self.work_dir), ("lake", self.lake_dir),
                             ("warehouse", self.warehouse_path.parent), ("publications", self.publications_dir)):
            if folder.is_relative_to(zone) or (folder != self.work_dir and zone.is_relative_to(folder)):
                raise SettingsError(f"{IDENTIFIABLE_ENV}={zone} overlaps the {name} ({folder}): the identifiable "
                                    "zone must be a folder of its own, apart from the pseudonymised data")

    @property
    def identifiable_dir(self) -> Path:
        """The identifiable zone: the only place raw NHS Numbers and dates of birth are kept (owner-only)."""
        return self.identifiable_root or self.work_dir / "identifiable"

    @property
    def docs_dir(self) -> Path:
        return self.project_root / "docs"

    @property
    def landing_dir(self) -> Path:
        return self.identifiable_dir / "landing"

    @property
    def inbox_dir(self) -> Path:
        """Files claimed from landing by an ingest run, one folder per run."""
        return self.identifiable_dir / "inbox"

    @property
    def archive_dir(self) -> Path:
        """Delivered files after ingest, one folder per batch, kept for ``archive_retention_days``."""
        return self.identifiable_dir / "archive"

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
    def report_dir(self) -> Path:
        """The outcomes report, a static site built from the live publications (``outcomes report``)."""
        return self.work_dir / "report"

    @property
    def agreements_dir(self) -> Path:
        """One data-sharing agreement per partner (agreements/<partner>.yaml)."""
        return self.agreements_root or self.project_root / "agreements"

    @property
    def deliveries_dir(self) -> Path:
        """Per-partner deliveries: deliveries/<partner>/<table>/v<NNNN>/ and CURRENT (share/deliver.py)."""
        return self.work_dir / "deliveries"

    @property
    def partners_dir(self) -> Path:
        """The partner API's token hashes and access log (share/tokens.py, share/api.py)."""
        return self.work_dir / "partners"

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
    zone = os.environ.get(IDENTIFIABLE_ENV)
    return Settings(
        project_root=root,
        work_dir=work,
        contracts_dir=Path(os.environ.get("OUTCOMES_CONTRACTS_DIR", root / "contracts")).resolve(),
        measures_dir=Path(os.environ.get("OUTCOMES_MEASURES_DIR", root / "measures")).resolve(),
        reference_dir=Path(os.environ.get("OUTCOMES_REFERENCE_DIR", root / "reference")).resolve(),
        dbt_project_dir=root / "dbt_project",
        expectations_dir=root / "expectations",
        allow_test_nhs_numbers=os.environ.get("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", "").lower() in ("1", "true", "yes"),
        identifiable_root=Path(zone).resolve() if zone else None,
        archive_retention_days=_whole_days(RETENTION_ENV, DEFAULT_ARCHIVE_RETENTION_DAYS),
        as_of=_as_of(),
        agreements_root=Path(os.environ["OUTCOMES_AGREEMENTS_DIR"]).resolve()
        if os.environ.get("OUTCOMES_AGREEMENTS_DIR") else None,
    )


AS_OF_ENV = "OUTCOMES_AS_OF"


def _as_of() -> str | None:
    from datetime import date

    text = os.environ.get(AS_OF_ENV, "").strip()
    if not text or text == "data":
        return text or None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise SettingsError(f"{AS_OF_ENV} must be a date (YYYY-MM-DD) or 'data': got {text!r}") from None


def _whole_days(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number of days, at least 1: got {text!r}") from None


def get_pseudonym_key() -> bytes:
    """The HMAC key for pseudonymising NHS Numbers. Only ever held in memory; refuses to run without it.

    Looked up in the environment (``OUTCOMES_PSEUDONYM_KEY``) first; when that is unset and Airflow is installed
    and configured, in Airflow's secrets backends: the Variable ``outcomes_pseudonym_key``, then the password of
    the Connection ``outcomes_pseudonym_key`` (inside a task through the Execution API, so the metadata database
    and any configured backend, Vault or a cloud secrets manager, answer; elsewhere through the environment-variable
    backend and the configured ones). Airflow masks a value it hands out in task logs.
    """
    value, source = os.environ.get(KEY_ENV, ""), f"{KEY_ENV} in the environment"
    if not value:
        value, source = _key_from_airflow()
    if len(value) < KEY_MIN_LENGTH:
        problem = f"{source} is shorter than {KEY_MIN_LENGTH} characters" if value else "no key was found"
        raise SettingsError(
            f"no pseudonymisation key: {problem}. Set {KEY_ENV} in the environment, or the Airflow Variable "
            f"{KEY_AIRFLOW_ID!r}, or the password of the Airflow Connection {KEY_AIRFLOW_ID!r} (through Airflow's "
            f"secrets backend, e.g. AIRFLOW_VAR_{KEY_AIRFLOW_ID.upper()}); it is never stored by this project"
        )
    return value.encode("utf-8")


def _key_from_airflow() -> tuple[str, str]:
    """The key from Airflow's Variable, else its Connection's password, with where it came from; ("", "") when
    Airflow is not installed or not configured in this process (no AIRFLOW_* variable, Airflow not imported)."""
    if "airflow" not in sys.modules and not any(name.startswith("AIRFLOW") for name in os.environ):
        return "", ""
    try:
        from airflow.sdk import Connection, Variable
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:
        return "", ""
    value = Variable.get(KEY_AIRFLOW_ID, default=None)
    if value:
        return str(value), f"the Airflow Variable {KEY_AIRFLOW_ID!r}"
    try:
        password = Connection.get(KEY_AIRFLOW_ID).password
    except AirflowNotFoundException:
        return "", ""
    return (password or "", f"the password of the Airflow Connection {KEY_AIRFLOW_ID!r}")
