"""The Great Expectations project the gate keeps under the working folder: suites, validation results, Data Docs.

A file-backed GX context (``gx.get_context(mode="file")``) at ``<work>/gx/``: every gate run stores its
validation results there (``gx/uncommitted/validations/``) and rebuilds the Data Docs site
(``gx/uncommitted/data_docs/local_site/index.html``, linked from ``outcomes status``) for this run's results and
the index. The suites are loaded from ``expectations/suites/`` (generated, committed) on every run, so the
project never holds a suite that differs from the repository's. Publication tables are small aggregates, so the
batches are pandas frames (``publish.gate``).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from config.settings import Settings

DATASOURCE = "publication_gate"
SITE = "local_site"


def project_dir(settings: Settings) -> Path:
    """The GX project folder (``great_expectations.yml`` and ``uncommitted/``)."""
    return settings.work_dir / "gx"


def docs_index(settings: Settings) -> Path:
    """The Data Docs home page (exists once a gate has run)."""
    return project_dir(settings) / "uncommitted" / "data_docs" / SITE / "index.html"


def quiet() -> None:
    """GX logs its internals at INFO (``Created temporary directory ...`` among them): keep warnings only."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


class Project:
    """One gate run's handle on the file-backed context: validate frames, then build the docs once."""

    def __init__(self, settings: Settings) -> None:
        import great_expectations as gx  # slow import (~2 s): only when a gate actually runs
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.base import ProgressBarsConfig

        quiet()
        self._gx = gx
        settings.work_dir.mkdir(parents=True, exist_ok=True)
        self.context = gx.get_context(mode="file", project_root_dir=str(settings.work_dir))  # makes <work>/gx/
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        try:
            self.source = self.context.data_sources.get(DATASOURCE)
        except (KeyError, ValueError):
            self.source = self.context.data_sources.add_pandas(DATASOURCE)
        self.run_id = RunIdentifier(run_name="gate", run_time=dt.datetime.now(dt.UTC))
        self._validated: list[Any] = []

    def validate(self, suite_json: dict[str, Any], frame: pd.DataFrame, keys: list[str]) -> Any:
        """Validate ``frame`` with the suite (asset and validation definition named after it); the result, with
        the keys of up to 20 breaking rows per expectation, is stored in the project."""
        gx = self._gx
        name = suite_json["name"]
        suite = self.context.suites.add_or_update(gx.ExpectationSuite(**suite_json))
        try:
            asset = self.source.get_asset(name)
        except LookupError:
            asset = self.source.add_dataframe_asset(name)
        try:
            batch = asset.get_batch_definition("candidate")
        except KeyError:
            batch = asset.add_batch_definition_whole_dataframe("candidate")
        definition = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch, suite=suite))
        result_format = {"result_format": "SUMMARY", "partial_unexpected_count": 20,
                         "unexpected_index_column_names": [k for k in keys if k in frame.columns]}
        result = definition.run(batch_parameters={"dataframe": frame}, result_format=result_format,
                                run_id=self.run_id)
        self._validated.append((name, f"{DATASOURCE}-{name}"))
        return result

    def build_docs(self) -> Path:
        """Render this run's results and the index page (earlier runs' pages are kept as they were)."""
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        ids = [ValidationResultIdentifier(ExpectationSuiteIdentifier(name), self.run_id, batch)
               for name, batch in self._validated]
        ids += [ExpectationSuiteIdentifier(name) for name, _ in self._validated]
        sites = self.context.build_data_docs(site_names=[SITE], resource_identifiers=ids)
        return Path(sites[SITE].removeprefix("file://"))
