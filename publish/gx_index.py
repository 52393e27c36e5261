"""The Data Docs index drawn from a summary of each stored validation result, each result read whole only once.

GX's index builder reads every stored validation result whole (every expectation's result, through marshmallow)
to take four things from it: whether it passed, and its batch's kwargs, spec and asset name. The project keeps
each suite's last ``KEPT_RUNS`` runs, about 210 results for the raw gate alone, so every gate's docs build read
them all again: about 0.1 s a gate (bench/results.md, issue 18, twenty-third round). A stored result never
changes once its gate run has ended, so :class:`SummarisedIndexBuilder` keeps those four things of each result in
one JSON file beside the results (``summaries_file``, written whole and renamed into place) and reads a result
whole only when the file has no summary of it, or has one of a file of another size or time (a result written
again). Summaries of results no longer stored are dropped as the file is written. The index page is GX's own,
drawn from the same values (``tests/publish/test_gx_index.py`` compares it with GX's builder's).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult
from great_expectations.render.renderer.site_builder import DefaultSiteIndexBuilder
from great_expectations.util import convert_to_json_serializable


class SummarisedIndexBuilder(DefaultSiteIndexBuilder):
    """GX's ``DefaultSiteIndexBuilder``, reading each stored result from its summary (see the module's docstring).
    ``results_dir`` is the validation results store's folder; ``summaries_file`` the summaries' JSON file."""

    # GX hands a builder the parts of its site that its constructor names as positional-or-keyword parameters
    # (inspect.getfullargspec's args), so each is named here, none keyword-only
    def __init__(self, name: str, site_name: str, data_context: Any, target_store: Any,  # noqa: PLR0913
                 site_section_builders_config: Any, results_dir: str, summaries_file: str,
                 custom_styles_directory: Any = None, custom_views_directory: Any = None,
                 show_how_to_buttons: bool = True, data_context_id: Any = None, source_stores: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(name, site_name, data_context, target_store, site_section_builders_config,
                         custom_styles_directory=custom_styles_directory,
                         custom_views_directory=custom_views_directory, show_how_to_buttons=show_how_to_buttons,
                         data_context_id=data_context_id, source_stores=source_stores, **kwargs)
        self.results_dir, self.summaries_file = Path(results_dir), Path(summaries_file)

    def build(self, *args: Any, **kwargs: Any) -> Any:
        context = self.data_context
        self.data_context = reader = _SummaryReader(context, self.results_dir, _load(self.summaries_file))
        try:
            return super().build(*args, **kwargs)
        finally:
            self.data_context = context
            if reader.changed:
                _save(self.summaries_file, reader.read)


class _SummaryReader:
    """The data context as the index builder sees it: ``get_validation_result`` answers from the summaries (read
    whole and summarised when there is none of that file); everything else is the context's own."""

    def __init__(self, context: Any, results_dir: Path, summaries: dict[str, dict[str, Any]]) -> None:
        self._context, self._results_dir, self._summaries = context, results_dir, summaries
        self.read: dict[str, dict[str, Any]] = {}  # the summaries of the results listed in this build
        self.changed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def get_validation_result(self, expectation_suite_name: str, run_id: Any = None, batch_identifier: Any = None,
                              validation_results_store_name: str | None = None, **kwargs: Any) -> Any:
        if run_id is None or batch_identifier is None or kwargs:
            return self._context.get_validation_result(expectation_suite_name, run_id, batch_identifier,
                                                       validation_results_store_name, **kwargs)
        # the store's layout (publish.gx_project.prune_results): <suite's folders>/<run name>/<run time>/<batch>.json
        path = self._results_dir.joinpath(*expectation_suite_name.split("."), *run_id.to_tuple(),
                                          f"{batch_identifier}.json")
        name, signature = path.relative_to(self._results_dir).as_posix(), _signature(path)
        summary = self._summaries.get(name)
        if signature is None or not _summarises(summary, signature):
            result = self._context.get_validation_result(expectation_suite_name, run_id, batch_identifier,
                                                         validation_results_store_name)
            if not isinstance(result, ExpectationSuiteValidationResult):
                return result  # none stored under the key: GX's builder skips it
            summary = {"file": signature, "success": result.success,
                       "meta": convert_to_json_serializable(_meta_for_index(result))}
            self.changed = True
        self.read[name] = summary
        return ExpectationSuiteValidationResult(success=summary["success"], results=[],
                                                suite_name=expectation_suite_name, meta=summary["meta"])


def _signature(path: Path) -> list[int] | None:
    """A result file's size and modification time (as JSON keeps them), or None when it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _summarises(summary: Any, signature: list[int]) -> bool:
    """Whether ``summary`` (from the file, so of any shape) is a whole summary of the result file of ``signature``
    (its size and modification time)."""
    return (isinstance(summary, dict) and summary.get("file") == signature
            and isinstance(summary.get("success"), bool) and isinstance(summary.get("meta"), dict))


def _meta_for_index(result: ExpectationSuiteValidationResult) -> dict[str, Any]:
    """What of a result's meta the index draws: its batch's kwargs and spec, and its asset's name."""
    meta = {key: result.meta[key] for key in ("batch_kwargs", "batch_spec") if key in result.meta}
    if "active_batch_definition" in result.meta:
        meta["active_batch_definition"] = {"data_asset_name": result.asset_name}
    return meta


def _load(path: Path) -> dict[str, dict[str, Any]]:
    """The summaries kept by the last build; none when the file is missing or cannot be read (each result is then
    read whole again)."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _save(path: Path, summaries: dict[str, dict[str, Any]]) -> None:
    """Write the summaries whole and rename them into place: a killed build leaves the last file as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(summaries, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
