"""When the report rebuilds dbt's docs page (building it for real is in test_report_site.py, beside its world)."""

from __future__ import annotations

import dataclasses
import os
import time

from config.settings import get_settings
from outcomes.report.docs_sites import dbt_docs_stale
from outcomes.report.links import DBT_DOCS


def test_dbt_docs_are_stale_until_built_and_again_when_a_model_changes(tmp_path):
    """GIVEN a dbt project WHEN no docs page exists THEN stale; once built THEN fresh; when a model file is
    written after it THEN stale again."""
    project = tmp_path / "dbt_project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: x\n")
    model = project / "models" / "a.sql"
    model.write_text("select 1\n")
    settings = dataclasses.replace(get_settings(), work_dir=tmp_path / "work", dbt_project_dir=project)
    assert dbt_docs_stale(settings)
    page = settings.report_dir / DBT_DOCS
    page.parent.mkdir(parents=True)
    page.write_text("<html></html>")
    past = time.time() - 60
    for f in (model, project / "dbt_project.yml"):
        os.utime(f, (past, past))
    assert not dbt_docs_stale(settings)
    model.write_text("select 2\n")
    assert dbt_docs_stale(settings)
