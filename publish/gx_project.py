"""The Great Expectations project the gate keeps under the working folder: suites, validation results, Data Docs.

An ephemeral GX context whose two stores of record are folders under ``<work>/gx/``: every gate run stores
its validation results there (``gx/uncommitted/validations/``) and rebuilds the Data Docs site
(``gx/uncommitted/data_docs/local_site/index.html``, linked from ``outcomes status``) for this run's results and
the index. Everything else (data sources, suites, validation definitions) is declared by the repository and made
again in memory on every run: the suites from ``expectations/suites/`` (generated, committed), so the project
never holds a suite that differs from the repository's.

Nothing the gate needs to start is read from a file it wrote itself. A file-backed context
(``mode="file"``) wrote ``great_expectations.yml``, the suites and the validation definitions in place; a run
killed while writing one left a file that stopped every later publication ("Error while processing
DataContextConfig: _schema"). Those files, where an earlier version left them, are not read. A result or page
half-written by a killed run is only that run's record. Publication tables are small aggregates, so the batches
are pandas frames (``publish.gate``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from config.settings import Settings
from publish import gx_memo

#: Each suite's validation results (and their Data Docs pages) of its last this many gate runs are kept; older
#: ones are removed as a gate builds the docs. The index page lists every stored result, and GX read each one whole
#: to draw it (now once: publish.gx_index), so every gate's docs build grew with what is kept: 0.6 s with 512
#: results, 2.6 s with 5,632; with the project's 29 suites at 30 runs each (870 results), 0.73-0.88 s, at 10 each
#: (290), 0.28-0.41 s (bench/results.md, issue 18, nineteenth and twentieth rounds). A daily pipeline stores about
#: 25 a day. Each publication keeps its own gate record (validation.json in its version), whatever the docs keep.
KEPT_RUNS = 10
DATASOURCE = "publication_gate"
LAKE_DATASOURCE = "lake"  # DuckDB in memory, reading the lake's Parquet files (publish.raw_gate)
SITE = "local_site"
INDEX_SUMMARIES = "data_docs_index_summaries.json"  # publish.gx_index, in the project's uncommitted folder


def project_dir(settings: Settings) -> Path:
    """The GX project folder (``great_expectations.yml`` and ``uncommitted/``)."""
    return settings.work_dir / "gx"


def docs_index(settings: Settings) -> Path:
    """The Data Docs home page (exists once a gate has run)."""
    return project_dir(settings) / "uncommitted" / "data_docs" / SITE / "index.html"


def context_config(settings: Settings) -> Any:
    """The context's configuration: suites, checkpoints and validation definitions in memory; validation results
    and the Data Docs site in the project folder, its pages drawn by GX's views with their templates compiled once
    (``publish.gx_views``)."""
    from great_expectations.data_context.types.base import DataContextConfig, ProgressBarsConfig

    memory = {"class_name": "InMemoryStoreBackend"}
    folder = project_dir(settings) / "uncommitted"

    def files(name: str) -> dict[str, str]:
        return {"class_name": "TupleFilesystemStoreBackend", "base_directory": f"{folder / name}/"}

    def view(class_name: str) -> dict[str, str]:  # publish.gx_views: GX's pages, templates compiled once
        return {"module_name": "publish.gx_views", "class_name": class_name,
                "bytecode_dir": str(folder / "jinja_bytecode")}

    return DataContextConfig(
        stores={"expectations_store": {"class_name": "ExpectationsStore", "store_backend": memory},
                "validation_results_store": {"class_name": "ValidationResultsStore",
                                             "store_backend": files("validations")},
                "checkpoint_store": {"class_name": "CheckpointStore", "store_backend": memory},
                "validation_definition_store": {"class_name": "ValidationDefinitionStore", "store_backend": memory}},
        expectations_store_name="expectations_store", validation_results_store_name="validation_results_store",
        checkpoint_store_name="checkpoint_store",
        data_docs_sites={SITE: {"class_name": "SiteBuilder", "show_how_to_buttons": False,
                                "store_backend": files(f"data_docs/{SITE}"),
                                "site_section_builders": {"validations": {"view": view("CompiledOncePageView")}},
                                "site_index_builder": {"module_name": "publish.gx_index",
                                                       "class_name": "SummarisedIndexBuilder",
                                                       "results_dir": str(folder / "validations"),
                                                       "summaries_file": str(folder / INDEX_SUMMARIES),
                                                       "view": view("CompiledOnceIndexPageView")}}},
        progress_bars=ProgressBarsConfig(globally=False), analytics_enabled=False,
    )


def quiet() -> None:
    """GX logs its internals at INFO (``Created temporary directory ...`` among them): keep warnings only."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


class Project:
    """One gate run's handle on its context: validate frames and queries, then build the docs once."""

    def __init__(self, settings: Settings) -> None:
        import great_expectations as gx  # slow import (~2 s): only when a gate actually runs
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.exceptions import DataContextError

        quiet()
        gx_memo.install()
        self._gx = gx
        self._absent = (KeyError, ValueError, LookupError, DataContextError)  # what GX raises for a missing item
        self.context = gx.get_context(mode="ephemeral", project_config=context_config(settings))
        self.folder = project_dir(settings) / "uncommitted"
        self.source = self.context.data_sources.add_pandas(DATASOURCE)
        self.run_id = RunIdentifier(run_name="gate", run_time=dt.datetime.now(dt.UTC))
        self._validated: list[Any] = []

    def validate(self, suite_json: dict[str, Any], frame: pd.DataFrame, keys: list[str]) -> Any:
        """Validate ``frame`` with the suite (asset and validation definition named after it); the result is stored
        in the project. GX counts and keeps up to 20 breaking values per expectation (BASIC); only when a check has
        failed is the frame validated again for the ``keys`` of those rows and the values' counts (SUMMARY), which
        takes half as long again: 0.67 s against 0.44 s for the measure_values table's 51 expectations on 20,112
        rows (bench/results.md, issue 18, twentieth round)."""
        name = suite_json["name"]
        definition = self._definition(name, self._suite(suite_json), self._frame_batch(name))
        detail = {"result_format": "SUMMARY", "partial_unexpected_count": 20,
                  "unexpected_index_column_names": [k for k in keys if k in frame.columns]}
        return self._run(definition, DATASOURCE, {"result_format": "BASIC", "partial_unexpected_count": 20}, detail,
                         batch_parameters={"dataframe": frame})

    def declare_queries(self, queries: dict[str, str]) -> None:
        """Declare the lake's data source with a query asset (and its whole-table batch definition) per suite name,
        all at once: GX saves a data source's whole configuration each time an asset or a batch definition is added
        to it, so adding the year's 21 feeds one by one took 0.09 s against 0.015 s. A project whose lake source
        exists already adds what it lacks as each query is validated (:meth:`validate_query`)."""
        if LAKE_DATASOURCE in self.context.data_sources.all():
            return
        from publish.raw_gate import keep_duckdb_connection

        keep_duckdb_connection()
        self.context.data_sources.add_sql(
            LAKE_DATASOURCE, connection_string="duckdb:///:memory:",
            assets=[{"type": "query", "name": name, "query": query, "batch_definitions": [{"name": "rows"}]}
                    for name, query in queries.items()])

    def validate_query(self, suite_json: dict[str, Any], query: str) -> Any:
        """Validate the rows of a DuckDB ``query`` with the suite, every expectation pushed down as SQL. GX only
        counts (BOOLEAN_ONLY: about a third of the queries, no example rows); only when a check has failed does it
        run again for the counts and up to 20 example values per expectation."""
        from publish.raw_gate import keep_duckdb_connection

        keep_duckdb_connection()
        try:
            lake = self.context.data_sources.get(LAKE_DATASOURCE)
        except (KeyError, ValueError):
            lake = self.context.data_sources.add_sql(LAKE_DATASOURCE, connection_string="duckdb:///:memory:")
        name = suite_json["name"]
        try:
            asset = lake.get_asset(name)
            if asset.query != query:
                lake.delete_asset(name)
                raise LookupError(name)
        except LookupError:
            asset = lake.add_query_asset(name, query=query)
        try:
            batch = asset.get_batch_definition("rows")
        except KeyError:
            batch = asset.add_batch_definition_whole_table("rows")
        definition = self._definition(name, self._suite(suite_json), batch)
        return self._run(definition, LAKE_DATASOURCE, "BOOLEAN_ONLY",
                         {"result_format": "SUMMARY", "partial_unexpected_count": 20})

    def _run(self, definition: Any, source: str, quick: Any, detail: Any, **kwargs: Any) -> Any:
        """Run ``definition`` with the ``quick`` result format, and again with ``detail`` (what its failures are
        told with) only when a check has failed; the run's one result is recorded for the Data Docs."""
        with gx_memo.configurations_built_once():
            result = definition.run(result_format=quick, run_id=self.run_id, **kwargs)
            if not result.success:
                result = definition.run(result_format=detail, run_id=self.run_id, **kwargs)
        validated = (definition.name, f"{source}-{definition.name}")
        if validated not in self._validated:  # a suite run twice in one gate run has one result, one page
            self._validated.append(validated)
        return result

    def _suite(self, suite_json: dict[str, Any]) -> Any:
        """This run's copy of the suite (a table gated twice in one run reuses it), replaced only when the
        declaration changed (GX's own comparison of suites costs seconds): the JSON's sha256 is in the suite's meta."""
        digest = hashlib.sha256(json.dumps(suite_json, sort_keys=True).encode()).hexdigest()
        try:
            suite = self.context.suites.get(suite_json["name"])
            if suite.meta.get("declaration_sha256") == digest:
                return suite
            self.context.suites.delete(suite_json["name"])
        except self._absent:
            pass
        declared = {**suite_json, "meta": {**suite_json.get("meta", {}), "declaration_sha256": digest}}
        return self.context.suites.add(self._gx.ExpectationSuite(**declared))

    def _definition(self, name: str, suite: Any, batch: Any) -> Any:
        """The validation definition of the suite on its batch (reused while both are the same)."""
        try:
            definition = self.context.validation_definitions.get(name)
            if definition.suite.id == suite.id and definition.batch_definition.id == batch.id:
                return definition
            self.context.validation_definitions.delete(name)
        except self._absent:
            pass
        return self.context.validation_definitions.add(self._gx.ValidationDefinition(name=name, data=batch,
                                                                                     suite=suite))

    def _frame_batch(self, name: str) -> Any:
        """The whole-frame batch definition of a pandas asset named after the suite."""
        try:
            asset = self.source.get_asset(name)
        except LookupError:
            asset = self.source.add_dataframe_asset(name)
        try:
            return asset.get_batch_definition("candidate")
        except KeyError:
            return asset.add_batch_definition_whole_dataframe("candidate")

    def docs_index(self) -> Path:
        """The Data Docs index page :meth:`build_docs` writes (whether or not it has been written yet)."""
        urls = self.context.get_docs_sites_urls(site_name=SITE, only_if_exists=False)
        return Path(urls[0]["site_url"].removeprefix("file://"))

    def build_docs(self) -> Path:
        """Render this run's results and the index page (earlier runs' pages are kept as they were; the suites'
        own pages are not rendered: the results pages show every expectation)."""
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        prune_results(self.folder)
        ids = [ValidationResultIdentifier(ExpectationSuiteIdentifier(name), self.run_id, batch)
               for name, batch in self._validated]
        # a set: GX asks of every stored result whether it is one to draw, and a list answers with a comparison of
        # each (0.04 s of the docs build with 210 results stored)
        sites = self.context.build_data_docs(site_names=[SITE], resource_identifiers=set(ids))
        return Path(sites[SITE].removeprefix("file://"))


def prune_results(folder: Path, keep: int | None = None) -> int:
    """Remove each suite's validation results older than its ``keep`` latest gate runs, with their Data Docs
    pages, from the project's ``uncommitted`` ``folder``; the number of results removed. A result is stored as
    ``validations/<suite's folders>/<run name>/<run time>/<batch>.json`` (run times sort as they happened) and its
    page at the same path under the site's ``validations/``, with ``.html``."""
    keep = KEPT_RUNS if keep is None else keep
    store, pages = folder / "validations", folder / "data_docs" / SITE / "validations"
    by_suite: dict[Path, dict[str, list[Path]]] = {}
    for result in store.rglob("*.json"):
        by_suite.setdefault(result.parents[2], {}).setdefault(result.parent.name, []).append(result)
    removed = 0
    for runs in by_suite.values():
        for run_time in sorted(runs)[:-keep]:
            for result in runs[run_time]:
                page = (pages / result.relative_to(store)).with_suffix(".html")
                for path in (result, page):
                    path.unlink(missing_ok=True)
                    _remove_empty(path.parent, (store, pages))
                removed += 1
    return removed


def _remove_empty(folder: Path, roots: tuple[Path, ...]) -> None:
    """Remove ``folder`` and its parents while they are empty, up to (not including) one of ``roots``."""
    while folder not in roots and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


@contextmanager
def shared_project(settings: Settings) -> Iterator[Project]:
    """One project for a run that gates several tables: their Data Docs are built once, when the block ends (also
    when it ends with an error, so a refusal's page is there), and only if a gate ran."""
    project = Project(settings)
    try:
        yield project
    finally:
        if project._validated:
            project.build_docs()
