"""The documentation sites linked from the report: a data-dictionary page per measure (the same text
``transform.measure_docs`` renders to docs/measures/<id>.md), dbt's static docs site (one file) and the Great
Expectations Data Docs the quality gate keeps."""

from __future__ import annotations

import os
import shutil
from html import escape
from pathlib import Path

import pandas as pd
from markdown_it import MarkdownIt

from config.measures import Measure
from config.settings import Settings
from outcomes.report.html import Page, table
from outcomes.report.links import DBT_DOCS, DICTIONARY, dictionary_page, measure_page
from publish.gx_project import docs_index
from transform.build import results_path, run_dbt, target_dir
from transform.measure_docs import page as measure_markdown

DBT_STATIC = "static_index.html"


class DocsFailed(RuntimeError):
    """dbt could not generate its docs; the message carries dbt's last lines."""


def dictionary_pages(measures: tuple[Measure, ...]) -> dict[str, Page]:
    """One page per measure from the registry, and an index of them, by file name."""
    markdown = MarkdownIt("commonmark").enable("table")
    pages: dict[str, Page] = {}
    for m in measures:
        page = Page(f"Data dictionary: {m.title}")
        body = measure_markdown(m).split("\n", 2)[2]  # without the generated-file comment and the title
        page.add(markdown.render(body) + f'<p><a href="{measure_page(m.id)}">The measure\'s figures</a></p>')
        pages[dictionary_page(m.id)] = page
    index = Page("Data dictionary")
    frame = pd.DataFrame([{"measure": f'<a href="{dictionary_page(m.id)}">{escape(m.title)}</a>', "id": m.id,
                           "unit": m.unit.replace("_", " "), "version": m.version} for m in measures])
    index.add("<p>Every measure as the registry (<code>measures/&lt;id&gt;.yaml</code>) declares it.</p>"
              + table(frame, raw={"measure"}))
    pages[DICTIONARY] = index
    return pages


def dbt_docs_stale(settings: Settings) -> bool:
    """True when the report has no dbt docs page or a file of the dbt project is newer than it."""
    page = settings.report_dir / DBT_DOCS
    if not page.is_file():
        return True
    built = page.stat().st_mtime
    project = settings.dbt_project_dir
    files = [project / "dbt_project.yml", *(f for d in ("models", "macros", "seeds") for f in (project / d).rglob("*"))]
    return any(f.is_file() and f.stat().st_mtime > built for f in files)


def generate_dbt_docs(settings: Settings, folder: Path) -> Path:
    """``dbt docs generate --static`` (reads the warehouse's catalogue), copied to ``folder/dbt-docs.html``.
    After a build (its run results in the target folder), ``dbt parse`` then ``--no-compile``: the site shows each
    model's SQL as written, lineage, columns and tests, without compiling every model again (the compiled SQL is in
    ``target/compiled``; on the synthetic year 4.1 s against 5.0 s). The page is made from the manifest.json in the
    target folder, which the parse writes: a build writes none (transform.dbt_process.RESULTS_ONLY)."""
    after_build = results_path(settings).is_file()
    if after_build:
        _dbt_or_fail(settings, "parse")
    _dbt_or_fail(settings, "docs", "generate", "--static", *(("--no-compile",) if after_build else ()))
    built = target_dir(settings) / DBT_STATIC
    if not built.is_file():
        raise DocsFailed(f"dbt docs generate wrote no {built}")
    target = folder / DBT_DOCS
    shutil.copyfile(built, target)
    return target


def _dbt_or_fail(settings: Settings, *args: str) -> None:
    result = run_dbt(settings, *args)
    if result.returncode != 0:
        tail = " ".join(((result.stdout or "") + (result.stderr or "")).strip().splitlines()[-3:])
        raise DocsFailed(f"dbt {' '.join(args)} failed (exit {result.returncode}): {tail}")


def links(settings: Settings, folder: Path) -> list[tuple[str, str, str]]:
    """(name, relative link or '', what it is) for each docs site; '' when it has not been built yet."""
    gx = docs_index(settings)
    return [
        ("Data dictionary", DICTIONARY, "every measure's definition, from the registry"),
        ("dbt docs", DBT_DOCS if (folder / DBT_DOCS).is_file() else "",
         "models, sources, tests and lineage (`outcomes report --dbt-docs` builds it)"),
        ("Great Expectations Data Docs", os.path.relpath(gx, folder) if gx.is_file() else "",
         "the quality gate's suites and every validation (built by `outcomes publish`)"),
    ]
