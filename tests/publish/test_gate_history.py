"""The gate's history in its GX project: each suite keeps the results and Data Docs pages of its latest runs."""

from __future__ import annotations

import pandas as pd

from publish import gx_project
from publish.gx_project import Project


def suite(name: str) -> dict:
    return {"name": name, "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "k"},
                                            "meta": {}, "description": "k is never empty"}]}


def stored(folder, kind: str, suffix: str) -> dict[str, set[str]]:
    """The run times stored per suite folder: results (``validations``) or Data Docs pages."""
    root = folder / "validations" if kind == "results" else folder / "data_docs" / gx_project.SITE / "validations"
    found: dict[str, set[str]] = {}
    for path in root.rglob(f"*{suffix}"):
        found.setdefault(str(path.parents[2].relative_to(root)), set()).add(path.parent.name)
    return found


def test_each_suite_keeps_the_results_and_pages_of_its_latest_runs_only(settings, monkeypatch):
    """GIVEN a project that keeps two runs per suite, and two suites, one stored inside the other's folder
    (``alpha`` and ``alpha.extra``, as a table's suite and its schema suite are)
    WHEN three gate runs validate both and build the docs, then a fourth validates only ``alpha``
    THEN each suite holds the results and pages of its own latest two runs (``alpha.extra`` keeps runs two and
    three, not pruned by ``alpha``'s fourth), and the index links no removed run."""
    monkeypatch.setattr(gx_project, "KEPT_RUNS", 2)
    frame = pd.DataFrame({"k": [1, 2]})
    runs = []
    for names in (["alpha", "alpha.extra"],) * 3 + (["alpha"],):
        project = Project(settings)
        for name in names:
            assert project.validate(suite(name), frame, ["k"]).success
        index = project.build_docs()
        runs.append(project.run_id.run_time.strftime("%Y%m%dT%H%M%S.%fZ"))

    folder = settings.work_dir / "gx" / "uncommitted"
    expected = {"alpha": {runs[2], runs[3]}, "alpha/extra": {runs[1], runs[2]}}
    assert stored(folder, "results", ".json") == expected
    assert stored(folder, "pages", ".html") == expected
    text = index.read_text(encoding="utf-8")
    assert runs[0] not in text and runs[1] in text and runs[3] in text


def test_the_data_docs_templates_are_compiled_once_and_read_back_by_the_next_build(settings, monkeypatch):
    """GIVEN a gate run whose Data Docs have been built (GX's pages, drawn by publish.gx_views)
    WHEN a later gate run, in a new project as the next command would have, builds them again
    THEN the first build left GX's compiled page templates in the project's bytecode folder, and the second
    compiled none of them: it read them back; the index still links the run's result page."""
    import jinja2

    frame = pd.DataFrame({"k": [1, 2]})
    first = Project(settings)
    assert first.validate(suite("alpha"), frame, ["k"]).success
    first.build_docs()
    cache = settings.work_dir / "gx" / "uncommitted" / "jinja_bytecode"
    compiled = {p.name for p in cache.glob("*.cache")}
    assert len(compiled) >= 5, compiled  # the page and the index, with the partials they include

    compiles = []
    real_compile = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile",
                        lambda self, *args, **kwargs: compiles.append(args[1:2]) or real_compile(self, *args, **kwargs))
    second = Project(settings)
    assert second.validate(suite("alpha"), frame, ["k"]).success
    index = second.build_docs()
    assert compiles == [] and {p.name for p in cache.glob("*.cache")} == compiled
    run_time = second.run_id.run_time.strftime("%Y%m%dT%H%M%S.%fZ")
    assert run_time in index.read_text(encoding="utf-8")


def test_a_compiled_template_cut_short_is_compiled_again(settings):
    """GIVEN Data Docs built once, their compiled templates kept in the bytecode folder
    WHEN every kept file is cut inside Jinja's header (its first 30 bytes: past the magic, inside the checksum,
    where Jinja itself raises) and the next gate builds the docs
    THEN the docs are built, and every file is whole again (written anew from the template)."""
    frame = pd.DataFrame({"k": [1, 2]})
    first = Project(settings)
    assert first.validate(suite("alpha"), frame, ["k"]).success
    first.build_docs()
    cache = settings.work_dir / "gx" / "uncommitted" / "jinja_bytecode"
    sizes = {p.name: p.stat().st_size for p in cache.glob("*.cache")}
    for path in cache.glob("*.cache"):
        path.write_bytes(path.read_bytes()[:30])

    second = Project(settings)
    assert second.validate(suite("alpha"), frame, ["k"]).success
    index = second.build_docs()
    assert index.is_file() and {p.name: p.stat().st_size for p in cache.glob("*.cache")} == sizes
