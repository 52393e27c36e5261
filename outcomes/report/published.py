"""What the report may show: the live publications (``publish.store.live``), read as frames, and their manifests.

Only disclosure-controlled tables are read here. A table the report would like (``inequality_summary``,
``core20plus5``) is used only when it is published; otherwise the page says so and falls back to the published
``measure_values`` rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from publish.store import LiveVersion, live

MEASURE_VALUES = "measure_values"
OPTIONAL = ("inequality_summary", "core20plus5")


class NothingPublished(LookupError):
    """The report needs a live ``measure_values`` publication; the message says where it looked."""


@dataclass
class Published:
    measure_values: pd.DataFrame
    versions: dict[str, LiveVersion]  # every live table, by name
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)  # OPTIONAL tables that are published

    def caveats(self) -> list[tuple[str, str, str]]:
        """(table, version, caveat) carried from every live manifest (gaps the gate found explained)."""
        out = []
        for name, version in sorted(self.versions.items()):
            for caveat in version.manifest.get("caveats") or []:
                text = caveat.get("caveat") if isinstance(caveat, dict) else str(caveat)
                out.append((name, version.version, text))
        return out

    def manifest(self, table: str) -> dict[str, Any]:
        return self.versions[table].manifest


def read_table(version: LiveVersion) -> pd.DataFrame:
    """The published Parquet file of a live version (the CSV beside it holds the same rows)."""
    return pd.read_parquet(version.path / f"{version.table}.parquet")


def load(publications: Path) -> Published:
    """Every live publication under ``publications``; raises NothingPublished without measure_values."""
    tables = sorted(p.parent.name for p in publications.glob("*/LATEST")) if publications.is_dir() else []
    versions = {t: v for t in tables if (v := live(publications, t)) is not None}
    if MEASURE_VALUES not in versions:
        raise NothingPublished(f"no live publication of {MEASURE_VALUES} under {publications}: run `outcomes "
                               "publish` first (the report shows published, disclosure-controlled figures only)")
    frame = read_table(versions[MEASURE_VALUES])
    for column in ("period_start", "period_end"):
        frame[column] = pd.to_datetime(frame[column])
    extra = {t: read_table(versions[t]) for t in OPTIONAL if t in versions}
    return Published(measure_values=frame, versions=versions, extra=extra)
