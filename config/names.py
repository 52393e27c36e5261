"""Every derived name, in one place: Airflow asset names and DAG ids, dbt selectors and model names, lake and
landing paths. Nothing else builds these strings (docs/CONTRIBUTING.md, "Naming")."""

from __future__ import annotations

from pathlib import Path

from config.contracts import Contract
from config.settings import Settings

# Airflow DAG ids
TRANSFORM_DAG = "transform"
PUBLISH_DAG = "publish"
LATE_FEEDS_DAG = "late_feeds"
PURGE_ARCHIVE_DAG = "purge_archive"

# Airflow assets, grouped by stage in the UI's asset list
MARTS_ASSET = "marts"
PUBLICATIONS_ALIAS = "publications"
LANDING_GROUP = "landing"
RAW_GROUP = "raw"
MARTS_GROUP = "marts"
PUBLICATION_GROUP = "publication"


def dag_tags(stage: str, organisation: str | None = None) -> list[str]:
    """A DAG's tags: its stage (ingest, transform, publish, monitoring, retention) and, for a feed's DAG, the
    sending organisation, so the DAG list filters by either."""
    return [f"stage:{stage}"] + ([f"org:{organisation}"] if organisation else [])


def ingest_dag_id(feed_id: str) -> str:
    return f"ingest__{feed_id}"


def pull_dag_id(feed_id: str) -> str:
    """The DAG pulling a feed from its source system (contracts whose ``source`` is not ``folder``)."""
    return f"pull__{feed_id}"


def landing_asset(feed_id: str) -> str:
    """Updated by a partner's ``_READY`` marker in the feed's landing folder."""
    return f"landing.{feed_id}"


RAW_ASSET_PREFIX = "raw."


def raw_asset(feed_id: str) -> str:
    """Updated by every loaded batch of the feed."""
    return f"{RAW_ASSET_PREFIX}{feed_id}"


def feed_of_raw_asset(asset_name: str) -> str | None:
    """The feed id of a raw asset's name; None for any other asset."""
    return asset_name.removeprefix(RAW_ASSET_PREFIX) if asset_name.startswith(RAW_ASSET_PREFIX) else None


def publication_asset(table: str) -> str:
    return f"publication.{table}"


def ingest_asset(feed_id: str) -> str:
    """Updated by every ingest run of the feed: the files it loaded, found duplicate and refused (with reasons)."""
    return f"ingest.{feed_id}"


def ready_watcher(feed_id: str) -> str:
    return f"ready_marker__{feed_id}"


# dbt
SOURCE_SELECTOR_PREFIX = "source:raw."


def source_selector(feed_id: str) -> str:
    """Every model downstream of the feed's raw source (on a warehouse already built: the rest is unchanged)."""
    return f"{SOURCE_SELECTOR_PREFIX}{feed_id}+"


def feed_of_source_selector(selector: str) -> str | None:
    """The feed id of a :func:`source_selector` selection; None for any other dbt selection."""
    if selector.startswith(SOURCE_SELECTOR_PREFIX) and selector.endswith("+"):
        return selector.removeprefix(SOURCE_SELECTOR_PREFIX).removesuffix("+") or None
    return None


def lake_model(feed_id: str) -> str:
    """The dbt model of the feed's current rows (relation ``lake.<feed_id>``)."""
    return f"lake__{feed_id}"


# Folders
def landing_folder(settings: Settings, contract: Contract) -> Path:
    """Where a partner drops the feed's files (identifiable zone)."""
    return settings.landing_dir / contract.landing_subdir()


def archive_batch_folder(settings: Settings, feed_id: str, batch_id: str) -> Path:
    """Where a delivered file (and its sidecar) is kept after ingest, for the retention period (identifiable zone)."""
    return settings.archive_dir / feed_id / batch_id


def raw_batch_folder(settings: Settings, feed_id: str, batch_id: str) -> Path:
    return settings.raw_dir / feed_id / f"batch_id={batch_id}"


def quarantine_batch_folder(settings: Settings, feed_id: str, batch_id: str) -> Path:
    return settings.quarantine_dir / feed_id / f"batch_id={batch_id}"
