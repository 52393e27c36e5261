"""transform.build's build state: a selective build is planned only on a warehouse built whole by the dbt
project's code as it is now (the incremental models are changed only in part by a selective build)."""

from __future__ import annotations

import dataclasses
import shutil

from transform.build import built_whole, project_digest, record_built


def _copied_project(settings, tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(settings.dbt_project_dir, project, ignore=shutil.ignore_patterns("target", "logs"))
    return dataclasses.replace(settings, dbt_project_dir=project)


def test_a_change_to_the_project_code_asks_for_a_build_of_everything(settings, tmp_path):
    """GIVEN a warehouse built whole WHEN a model's SQL changes THEN it no longer counts as built whole (so the
    next build is of everything), AND once that build is recorded it does again."""
    settings = _copied_project(settings, tmp_path)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.warehouse_path.touch()
    record_built(settings, "b1", whole=True)
    assert built_whole(settings)

    spine = settings.dbt_project_dir / "models" / "intermediate" / "people" / "int_event_people.sql"
    spine.write_text(spine.read_text() + "\n-- changed\n")
    assert not built_whole(settings)
    record_built(settings, "b1")  # a selective build does not make it whole
    assert not built_whole(settings)

    record_built(settings, "b1", whole=True)
    assert built_whole(settings)


def test_the_digest_covers_models_macros_seeds_and_settings_and_nothing_built(settings, tmp_path):
    settings = _copied_project(settings, tmp_path)
    project = settings.dbt_project_dir
    before = project_digest(settings)
    (project / "target").mkdir(exist_ok=True)
    (project / "target" / "manifest.json").write_text("{}")  # dbt's own output is not code
    assert project_digest(settings) == before
    for path in ("macros/lake.sql", "seeds/places.csv", "dbt_project.yml"):
        (project / path).write_text((project / path).read_text() + "\n")
        assert project_digest(settings) != before, path
        before = project_digest(settings)
