"""The pipeline's dbt process (``python -m transform.dbt_process``): dbt's own command line, ended without the
interpreter's teardown. It must answer as the ``dbt`` command does (exit codes, output) and end having done what
an ending dbt process does: the warehouse closed and checkpointed into its file, nothing left for multiprocessing's
resource tracker to report (tested with a real build in test_dbt_in_process, whose first build is this process)."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from transform import dbt_process
from transform.build import BuildFailed, build, results_path, target_dir
from transform.dbt_ahead import DbtAhead

DBT = Path(sys.executable).with_name("dbt")


@pytest.mark.parametrize("args", [["--version"], ["build", "--no-such-option"], ["no-such-command"]])
def test_it_answers_as_the_dbt_command_does(args, tmp_path):
    ours = subprocess.run([sys.executable, "-m", "transform.dbt_process", *args], capture_output=True, text=True,
                          cwd=tmp_path, check=False)
    theirs = subprocess.run([str(DBT), *args], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)



FAILING_TEST = "assert_this_test_always_fails"


@pytest.fixture
def failing_project(settings, tmp_path):
    """Settings whose dbt project is a copy of the pipeline's with one more data test, which returns a row: a
    build that selects it fails on it."""
    project = tmp_path / "dbt_project"
    shutil.copytree(settings.dbt_project_dir, project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "tests" / f"{FAILING_TEST}.sql").write_text("select 1 as failing_row\n")
    return dataclasses.replace(settings, dbt_project_dir=project)


@pytest.mark.parametrize("how", ["process", "ahead", "in_process"])
def test_a_builds_failing_node_is_read_from_the_run_results_and_no_other_artifact_is_written(failing_project, how):
    """GIVEN a project with a data test that fails WHEN a build selects it (in a dbt process, in one started ahead,
    and in this process) THEN BuildFailed names the test and its failure, read from the run results the pipeline
    wrote (dbt's --no-write-json), and dbt wrote none of its other artifacts (manifest.json, graph.gpickle)."""
    settings = failing_project
    target = target_dir(settings)
    with DbtAhead(settings) if how == "ahead" else contextlib.nullcontext() as dbt, \
            pytest.raises(BuildFailed) as caught:
        build(select=[FAILING_TEST], settings=settings, snapshot=False, ahead=dbt, in_process=how == "in_process")
    assert f"test.outcomes.{FAILING_TEST} fail: Got 1 result" in str(caught.value), caught.value
    assert results_path(settings).is_file()
    assert not (target / "manifest.json").exists() and not (target / "graph.gpickle").exists()


def test_run_results_only_needs_the_target_path(tmp_path):
    with pytest.raises(ValueError, match="needs dbt's --target-path option"):
        dbt_process.invoke(["build", dbt_process.RESULTS_ONLY, "--project-dir", str(tmp_path)])
