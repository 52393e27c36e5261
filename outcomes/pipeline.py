"""The whole pipeline once, without a scheduler: ingest -> dbt build -> quality gate -> publication."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from config.settings import Settings, get_settings

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    loaded: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    build: dict | None = None
    publications: list[dict] = field(default_factory=list)

    def text(self) -> str:
        lines = [f"ingest: {len(self.loaded)} files loaded, {len(self.duplicates)} duplicates skipped, "
                 f"{len(self.refused)} refused"]
        received = sum(r["rows_received"] for r in self.loaded)
        accepted = sum(r["rows_accepted"] for r in self.loaded)
        quarantined = sum(r["rows_rejected"] for r in self.loaded)
        opted_out = sum(r["rows_opted_out"] for r in self.loaded)
        redacted = sum(sum(r.get("redactions", {}).values()) for r in self.loaded)
        outside = sum(r["rows_outside_england"] for r in self.loaded)
        lines.append(f"rows: received {received:,}, accepted {accepted:,}, quarantined {quarantined:,}, "
                     f"opted out {opted_out:,}; identifiers redacted from free text {redacted:,}; "
                     f"residents outside England {outside:,}")
        lines += [f"  refused {r['reason']}" for r in self.refused]
        if self.build:
            lines.append(f"dbt: {self.build['models']} models, {self.build['tests']} tests passed")
        lines += [f"published: {p['table']} {p['status']} {p['version']} ({p['rows']} rows) at {p['path']}"
                  for p in self.publications]
        return "\n".join(lines)


def ingest_many(paths: list[Path], settings: Settings, summary: RunSummary) -> None:
    from ingest.errors import FileRejected
    from ingest.load import ingest_files
    from outcomes.optout_alerts import alert_if_refused_list

    for path, outcome in zip(paths, ingest_files(paths, settings=settings), strict=True):
        alert_if_refused_list(settings, path, outcome)
        if isinstance(outcome, FileRejected):
            log.warning("%s", outcome.describe())
            summary.refused.append({"file": str(path), "reason": outcome.describe()})
        elif isinstance(outcome, Exception):
            raise outcome
        else:
            (summary.loaded if outcome.status == "loaded" else summary.duplicates).append(outcome.to_dict())


def claim_landing(settings: Settings) -> list[Path]:
    from config.contracts import load_contracts
    from ingest.claim import claim_files

    claimed: list[Path] = []
    # the national data opt-out list first, so the other feeds of the same run are filtered by it
    ordered = sorted(load_contracts(settings.contracts_dir), key=lambda c: c.kind != "optout")
    for contract in ordered:
        claimed += [Path(p) for p in claim_files(contract.feed_id, settings)]
    return claimed


def run_once(paths: list[Path] | None = None, from_landing: bool = True,
             settings: Settings | None = None) -> RunSummary:
    from publish.run import publish
    from transform.build import build

    settings = settings or get_settings()
    summary = RunSummary()
    todo = list(paths) if paths else (claim_landing(settings) if from_landing else [])
    ingest_many(todo, settings, summary)
    summary.build = build(settings=settings).to_dict()
    summary.publications = [_as_dict(p) for p in publish(settings=settings)]
    return summary


def _as_dict(result: object) -> dict:
    return {k: getattr(result, k, None) for k in ("table", "status", "version", "rows", "path")}
