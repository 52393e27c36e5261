"""The Data Docs index drawn from summaries of the stored results (publish.gx_index): GX's index, fewer reads."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from publish import gx_project
from publish.gx_project import Project

gx = pytest.importorskip("great_expectations")
from great_expectations.data_context.data_context.abstract_data_context import AbstractDataContext  # noqa: E402


def suite(name: str) -> dict:
    return {"name": name, "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "k"},
                                            "meta": {}, "description": "k is never empty"}]}


def drawn(index) -> str:
    """The index page's text, but for the time of its drawing (GX stamps its logo's address with it)."""
    return re.sub(r"logo-long\.png\?d=[0-9T.Z]+", "logo-long.png", index.read_text(encoding="utf-8"))


def gate_run(settings, frames: dict[str, pd.DataFrame]) -> str:
    """One gate run validating each suite's frame; the index page's text."""
    project = Project(settings)
    for name, frame in frames.items():
        project.validate(suite(name), frame, ["k"])
    return drawn(project.build_docs())


@pytest.fixture
def results_read(monkeypatch) -> list[str]:
    """The suites whose stored result GX reads whole, in order (every reader goes through the context)."""
    read: list[str] = []
    original = AbstractDataContext.get_validation_result

    def counted(self, expectation_suite_name, *args, **kwargs):
        read.append(expectation_suite_name)
        return original(self, expectation_suite_name, *args, **kwargs)

    monkeypatch.setattr(AbstractDataContext, "get_validation_result", counted)
    return read


def test_the_index_is_gx_own_and_each_stored_result_is_read_whole_once(settings, monkeypatch, results_read):
    """GIVEN three gate runs of two suites, one of them failing in the second run
    WHEN each run builds the docs
    THEN the index is the one GX's own index builder draws from the same results (links, run times, pass or fail;
    all but the time of drawing),
    and each build reads whole only the results stored since the last (two a run), not the ones summarised."""
    good, bad = pd.DataFrame({"k": [1, 2]}), pd.DataFrame({"k": [1, None]})
    for frames in ({"alpha": good, "beta": good}, {"alpha": good, "beta": bad}, {"alpha": good, "beta": good}):
        results_read.clear()
        ours = gate_run(settings, frames)
        assert sorted(results_read) == ["alpha", "beta"]
    assert ours.count("validations/alpha/") == 3 and ours.count("validations/beta/") == 3

    original = gx_project.context_config

    def gx_builder(settings_):
        config = original(settings_)
        config.data_docs_sites[gx_project.SITE]["site_index_builder"] = {
            "class_name": "DefaultSiteIndexBuilder", "module_name": "great_expectations.render.renderer.site_builder",
            "view": config.data_docs_sites[gx_project.SITE]["site_index_builder"]["view"]}
        return config

    monkeypatch.setattr(gx_project, "context_config", gx_builder)
    project = Project(settings)
    results_read.clear()
    context = project.context
    context.build_data_docs(site_names=[gx_project.SITE], resource_identifiers=set())
    assert len(results_read) == 6  # GX's builder reads every stored result whole
    assert drawn(project.docs_index()) == ours


def test_a_summary_file_that_cannot_be_read_or_a_result_written_again_is_read_whole_again(settings, results_read):
    """GIVEN a project whose docs were built for one gate run of one suite
    WHEN the summaries file is replaced by text that is not JSON, and the docs are built with the next run
    THEN both results are read whole again (nothing drawn from a summary that cannot be trusted), and the index
    links both; and WHEN a stored result is written again (another size), the next build reads it again."""
    frame = pd.DataFrame({"k": [1, 2]})
    gate_run(settings, {"alpha": frame})
    folder = settings.work_dir / "gx" / "uncommitted"
    summaries = folder / "data_docs_index_summaries.json"
    assert len(json.loads(summaries.read_text(encoding="utf-8"))) == 1
    summaries.write_text("{not json", encoding="utf-8")
    results_read.clear()
    index = gate_run(settings, {"alpha": frame})
    assert results_read == ["alpha", "alpha"] and index.count("validations/alpha/") == 2

    stored = sorted((folder / "validations").rglob("*.json"))[0]
    stored.write_text(stored.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    results_read.clear()
    gate_run(settings, {"alpha": frame})
    assert results_read == ["alpha", "alpha"]  # the new run's result, and the one written again
