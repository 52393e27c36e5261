"""Progress bars for the long steps: drawn on a terminal only, never in captured output; dbt's per-node lines read."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from typer.testing import CliRunner

from outcomes import cli
from outcomes.progress import dbt_node, progress_bar
from tests.ingest.ecds_rows import row, write_ecds


def console(terminal: bool) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=terminal, width=100), buffer


@pytest.mark.parametrize(("terminal", "drawn"), [(True, True), (False, False)])
def test_a_bar_is_drawn_on_a_terminal_only(terminal, drawn):
    target, buffer = console(terminal)
    with progress_bar(target, "ingest", total=3) as bar:
        bar.advance(description="ingest: one.csv")
        bar.progress.refresh()
    assert ("ingest: one.csv" in buffer.getvalue() and "1/3" in buffer.getvalue()) is drawn
    assert (buffer.getvalue() == "") is not drawn


def test_a_disabled_bar_draws_nothing_even_on_a_terminal():
    target, buffer = console(True)
    with progress_bar(target, "ingest", total=3, enabled=False) as bar:
        bar.advance()
        bar.progress.refresh()
    assert buffer.getvalue() == ""


@pytest.mark.parametrize(("line", "expected"), [
    ("03:35:53  1 of 6 START sql view model marts.feed_status ........ [RUN]",
     (1, 6, "START", "sql view model marts.feed_status")),
    ("03:35:54  1 of 6 OK created sql view model marts.feed_status ..... [OK in 0.88s]",
     (1, 6, "OK", "created sql view model marts.feed_status")),
    ("03:35:54  2 of 6 START test accepted_values_feed_status_frequency__daily__weekly  [RUN]",
     (2, 6, "START", "test accepted_values_feed_status_frequency__daily__weekly")),
    ("12:00:00  40 of 40 FAIL 3 unique_x ..... [FAIL 3 in 0.1s]", (40, 40, "FAIL", "3 unique_x")),
    ("03:36:33  Finished running 5 data tests, 1 view model in 0 hours", None),
    ("03:36:32  Found 104 models, 374 data tests, 1 seed", None),
    ("03:36:34  1 of 1 START hook: outcomes.on-run-end.0 ....... [RUN]", None),
    ("03:36:34  1 of 1 OK hook: outcomes.on-run-end.0 .......... [OK in 0.20s]", None),
])
def test_dbt_node_lines_are_read_and_other_lines_ignored(line, expected):
    assert dbt_node(line) == expected


def test_ingest_on_a_terminal_still_prints_one_line_per_file_above_its_bar(settings, tmp_path, monkeypatch):
    """GIVEN stdout a terminal WHEN two files are ingested THEN each file's line is printed once, in order, and the
    bar's last frame (it is transient) counts both files."""
    files = [write_ecds(tmp_path / f"RWP_ECDS_2025-0{m}.csv", [row(i) for i in range(3 * m, 3 * m + 3)])
             for m in (4, 5)]
    terminal, buffer = console(True)
    monkeypatch.setattr(cli, "out", terminal)
    result = CliRunner().invoke(cli.app, ["ingest", *map(str, files)])
    assert result.exit_code == 0, result.output
    text = buffer.getvalue()
    finals = [line for line in text.replace("\r", "\n").splitlines() if "loaded 3 of 3 rows" in line]
    assert len(finals) == 2 and "RWP_ECDS_2025-04.csv" in finals[0] and "RWP_ECDS_2025-05.csv" in finals[1]
    assert "ingest: RWP_ECDS_2025-05.csv" in text and "2/2" in text


def test_the_build_bar_counts_finished_nodes_on_a_terminal_and_is_not_asked_for_elsewhere(monkeypatch):
    """GIVEN dbt's lines (two nodes started, one finished out of order, one failed, then the project's on-run-end
    hook, numbered on its own) THEN the bar counts two of six; off a terminal no line callback is made, so dbt runs
    as it does without a bar."""
    terminal, _ = console(True)
    monkeypatch.setattr(cli, "err", terminal)
    with progress_bar(terminal, "dbt build") as bar:
        step = cli._dbt_steps(bar)
        for line in ["03:36:32  Found 104 models", "03:36:33  1 of 6 START sql view model marts.a ... [RUN]",
                     "03:36:33  2 of 6 START test t ... [RUN]", "03:36:33  2 of 6 PASS t ... [PASS in 0.1s]",
                     "03:36:34  1 of 6 ERROR creating sql view model marts.a ... [ERROR in 0.2s]",
                     "03:36:35  1 of 1 START hook: outcomes.on-run-end.0 ... [RUN]",
                     "03:36:35  1 of 1 OK hook: outcomes.on-run-end.0 ... [OK in 0.2s]"]:
            step(line)
        task = bar.progress.tasks[0]
        assert (task.completed, task.total) == (2, 6)
        assert task.description == "dbt build: creating sql view model marts.a"
    monkeypatch.setattr(cli, "err", console(False)[0])
    assert cli._dbt_steps(bar) is None
