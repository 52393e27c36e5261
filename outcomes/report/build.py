"""Build the report: every page from the live publications, the docs links, one shared chart bundle."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from config.measures import load_measures
from config.settings import Settings
from outcomes.report import docs_sites
from outcomes.report.charts import frames_converted_once
from outcomes.report.core20 import core20_page
from outcomes.report.front import front_page
from outcomes.report.headline import headline
from outcomes.report.html import Page, write_bundle
from outcomes.report.links import CORE20, DICTIONARY, INDEX, QUALITY, measure_page
from outcomes.report.measure_page import measure_page as build_measure_page
from outcomes.report.published import load
from outcomes.report.quality import quality_page

STALE_SECONDS = 3600
NAV = [("Overview", INDEX), ("Core20PLUS5", CORE20), ("Data quality", QUALITY), ("Data dictionary", DICTIONARY)]


@dataclass
class ReportResult:
    index: Path
    pages: int
    charts: int
    dbt_docs: Path | None

    def summary(self) -> str:
        return (f"report: {self.pages} pages, {self.charts} charts at {self.index}"
                + (f" (dbt docs: {self.dbt_docs})" if self.dbt_docs else ""))


def _docs_section(settings: Settings, folder: Path) -> str:
    items = []
    for name, href, what in docs_sites.links(settings, folder):
        link = f'<a href="{escape(href)}">{escape(name)}</a>' if href else f"{escape(name)} (not built yet)"
        items.append(f"<li>{link}: {escape(what)}</li>")
    return "<h2>Documentation</h2><ul>" + "".join(items) + "</ul>"


def _footer(published) -> str:
    versions = ", ".join(f"{t} {v.version}" for t, v in sorted(published.versions.items()))
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return escape(f"Built {when} from the live publications ({versions}): disclosure-controlled figures only.")


@frames_converted_once()  # a new block for every call
def build_report(settings: Settings, dbt_docs: bool = False,
                 on_step: Callable[[str, int, int], None] | None = None) -> ReportResult:
    """Write the site to ``settings.report_dir`` (replaced whole, by one rename, once every page is written).
    ``on_step(what, done, total)`` is told of each step (dbt's docs, each page, the chart bundle) as it ends."""
    step = on_step or (lambda what, done, total: None)
    published = load(settings.publications_dir)
    measures = load_measures(settings.measures_dir, settings.contracts_dir)
    values = published.measure_values
    target = settings.report_dir
    _sweep(target)
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
    staging.mkdir(parents=True)
    try:
        total = (1 if dbt_docs else 0) + len(measures) + 3  # dbt's docs, the measure pages, the rest, the bundle
        done = 0

        def did(what: str) -> None:
            nonlocal done
            done += 1
            step(what, done, total)

        dbt_page = docs_sites.generate_dbt_docs(settings, staging) if dbt_docs else None
        if dbt_docs:
            did("dbt docs")
        if dbt_page is None and (target / docs_sites.DBT_DOCS).is_file():  # keep the last one built
            shutil.copyfile(target / docs_sites.DBT_DOCS, staging / docs_sites.DBT_DOCS)
        headlines = [headline(values, m) for m in measures]
        pages: dict[str, Page] = {INDEX: front_page(headlines), CORE20: core20_page(values, headlines),
                                  QUALITY: quality_page(settings, published)}
        pages[INDEX].add(_docs_section(settings, staging))
        did("overview, Core20PLUS5, data quality")
        for h in headlines:
            pages[measure_page(h.measure.id)] = build_measure_page(values, h)
            did(h.measure.id)
        pages.update(docs_sites.dictionary_pages(measures))
        footer = _footer(published)
        for name, page in pages.items():
            (staging / name).write_text(page.render(NAV, footer), encoding="utf-8")
        did("pages written")
        write_bundle(staging, previous=target if target.is_dir() else None)
        did("chart bundle")
        _swap(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ReportResult(index=target / INDEX, pages=len(pages), charts=sum(len(p.specs) for p in pages.values()),
                        dbt_docs=target / docs_sites.DBT_DOCS if dbt_page else None)


def report_after_publication(settings: Settings) -> ReportResult:
    """What the publish DAG runs: the report, and dbt's docs site again when a file of the dbt project changed."""
    return build_report(settings, dbt_docs=docs_sites.dbt_docs_stale(settings))


def _sweep(target: Path, max_age: float = STALE_SECONDS) -> None:
    """Remove half-built sites left by a build that was killed (a build takes seconds to a minute)."""
    cutoff = time.time() - max_age
    for path in target.parent.glob(f".{target.name}.*") if target.parent.is_dir() else []:
        if path.stat().st_mtime < cutoff:
            shutil.rmtree(path, ignore_errors=True)


def _swap(staging: Path, target: Path) -> None:
    """Put the new site in place: the old one is renamed aside, the new one renamed in, the old one removed."""
    old = target.with_name(f".{target.name}.old.{uuid.uuid4().hex}")
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
