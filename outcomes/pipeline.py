"""The whole pipeline once, without a scheduler: ingest -> dbt build -> quality gate -> publication."""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
    retaken: int = 0  # files a run that did not finish had claimed, re-taken from the inbox

    def text(self) -> str:
        lines = [f"ingest: {len(self.loaded)} files loaded, {len(self.duplicates)} duplicates skipped, "
                 f"{len(self.refused)} refused"]
        if self.retaken:
            lines.append(f"  {self.retaken} of them re-taken from the inbox, left claimed by a run that did not "
                         "finish")
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
        lines += [f"published: {p['table']} nothing yet (its source has no rows)" if p["status"] == "empty" else
                  f"published: {p['table']} {p['status']} {p['version']} ({p['rows']} rows) at {p['path']}"
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


def feeds_in_claim_order(settings: Settings) -> list[str]:
    """Every feed id, the national data opt-out list first, so the other feeds of a run are filtered by it."""
    from config.contracts import load_contracts

    return [c.feed_id for c in sorted(load_contracts(settings.contracts_dir), key=lambda c: c.kind != "optout")]


def ingest_landing(settings: Settings, summary: RunSummary) -> None:
    """Re-take the files a killed run left claimed in the inbox, claim what waits in landing, and ingest them all,
    holding the claims until every file is loaded, refused or recorded as a duplicate (then archived)."""
    from ingest.claim import holding_claims

    with holding_claims(feeds_in_claim_order(settings), settings) as claims:
        summary.retaken = sum(len(c.files) for c in claims if c.retaken)
        todo = [path for claim in claims for path in claim.files]
        log.info("claimed %d files (%d re-taken from runs that did not finish)", len(todo), summary.retaken)
        ingest_many(todo, settings, summary)


def import_in_background(*modules: str) -> threading.Thread:
    """Import ``modules`` in a thread of their own, started now; join it before using them. For what the
    publication imports (Great Expectations alone takes about 3 s of one core) while the dbt build runs in its
    own process, whose first seconds parse the project on one core and leave the other idle. An import that fails
    here is only logged: it fails again, with its error, where the module is used."""
    def load() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - raised again by the import that needs it
                log.debug("importing %s ahead failed", name, exc_info=True)

    thread = threading.Thread(target=load, name="import-ahead", daemon=True)
    thread.start()
    return thread


def run_once(paths: list[Path] | None = None, from_landing: bool = True, settings: Settings | None = None,
             select: list[str] | None = None, tables: list[str] | None = None,
             on_dbt_line: Callable[[str], None] | None = None) -> RunSummary:
    """Ingest (``paths``, or what waits in landing and what killed runs left claimed), build (everything, or the
    dbt ``select``-ion), publish (every declared table, or ``tables``). ``on_dbt_line`` receives dbt's output
    line by line (the command line's progress bar)."""
    from transform.build import build, refresh_snapshot
    from transform.build_state import built_upto
    from transform.dbt_ahead import DbtAhead

    settings = settings or get_settings()
    summary = RunSummary()
    with DbtAhead(settings) as dbt:  # dbt starts and parses the project while the files are ingested
        log.info("run: ingest")
        if paths:
            ingest_many(list(paths), settings, summary)
        elif from_landing:
            ingest_landing(settings, summary)
        log.info("run: build")
        publication_imports = import_in_background("publish.run", "great_expectations")
        summary.build = build(select=select, settings=settings, on_line=on_dbt_line, ahead=dbt,
                              snapshot=False).to_dict()
    # the analysts' snapshot is copied while the tables are published: both only read the warehouse, and nothing
    # writes it again before this run ends (a run killed meanwhile leaves the last snapshot, whole: the next build
    # copies it again)
    with ThreadPoolExecutor(1, thread_name_prefix="snapshot-copy") as copier:
        copying = copier.submit(refresh_snapshot, settings)
        publication_imports.join()
        log.info("run: publish")
        from publish.run import publish  # here, not above: imported by the thread while dbt built

        published = publish(tables, settings=settings, built_upto=built_upto(settings))
        copying.result()  # a copy that failed fails the run
    summary.publications = [_as_dict(p) for p in published]
    log.info("run: done")
    return summary


def _as_dict(result: object) -> dict:
    return {k: getattr(result, k, None) for k in ("table", "status", "version", "rows", "path")}
