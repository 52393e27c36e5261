"""The outcomes report, built from a small published world and opened in headless Chromium (Debian's package,
driven by Playwright): every chart renders, no page logs an error, and the figures are the published ones."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from outcomes.report.build import build_report, report_after_publication
from outcomes.report.links import CORE20, DBT_DOCS, INDEX, QUALITY, measure_page
from tests.report.html_tables import number, read_tables
from transform.build import results_path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
RENDERED = "() => [...document.querySelectorAll('.chart')].every(c => c.querySelector('svg'))"


@pytest.fixture(scope="module")
def site(report_world):
    return build_report(report_world)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def published(settings, table="measure_values") -> pd.DataFrame:
    folder = settings.publications_dir / table
    return pd.read_parquet(folder / (folder / "LATEST").read_text().strip() / f"{table}.parquet")


def test_every_chart_renders_without_console_errors_and_screenshots_are_saved(site, report_world, browser):
    """GIVEN the built site WHEN each page with charts is opened from its file in Chromium THEN every chart
    container holds an SVG, no console error or page error is logged, and the front page and a measure page are
    saved as screenshots under the working folder."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})  # a laptop screen
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    shots = report_world.work_dir / "screenshots"
    counted = {}
    for name in (INDEX, measure_page("ed_4h_all_types"), measure_page("rtt_over_52_weeks"), CORE20, QUALITY):
        page.goto((site.index.parent / name).as_uri())
        page.wait_for_function(RENDERED, timeout=15_000)
        counted[name] = (page.locator(".chart").count(), page.locator(".chart svg .mark-line, .chart svg "
                                                                      ".mark-rect, .chart svg .mark-symbol").count())
        if name in (INDEX, measure_page("ed_4h_all_types")):
            page.screenshot(path=str(shots / name.replace(".html", ".png")), full_page=True)
    assert errors == []
    # two measures published: two trend lines on the front page; trend, site, organisation, place, IMD and sex
    assert counted[INDEX][0] == 2 and counted[measure_page("ed_4h_all_types")][0] == 6
    assert all(marks > 0 for _, marks in counted.values())  # drawn marks, not only empty frames
    assert {p.name for p in shots.iterdir()} == {"index.png", "measure-ed_4h_all_types.png"}
    assert all(p.stat().st_size > 10_000 for p in shots.iterdir())


def test_front_page_shows_the_published_latest_value_gap_and_direction(site, report_world):
    """GIVEN ed_4h_all_types published for three rising months WHEN the front page is built THEN it shows the
    published April value, 'improving', and quintile 1 minus quintile 5 of the published April rows."""
    rows = published(report_world)
    april = rows[(rows["measure_id"] == "ed_4h_all_types") & (rows["area_type"] == "system")
                 & (rows["period_start"] == pd.Timestamp("2025-04-01").date())]
    value = april[april["breakdown"] == "all"]["value"].item()
    q = april[april["breakdown"] == "imd_quintile"].set_index("breakdown_value")["value"]
    tables = read_tables(site.index.read_text(encoding="utf-8"))
    front = next(t for t in tables if t.attrs["caption"].startswith("Latest value of every measure"))
    row = front[front["measure"].str.startswith("A&E attendances left within 4 hours of arrival, all")].iloc[0]
    assert number(row["value"]) == pytest.approx(value, abs=0.05)
    assert row["period"] == "Apr 2025" and row["direction of travel"].startswith("▲ improving")
    assert number(row["gap, most minus least deprived fifth"]) == pytest.approx(q["1"] - q["5"], abs=0.05)
    assert "misses target" in row["against target"]  # 75.3 < 78


def test_a_suppressed_cell_stays_empty_and_the_true_count_never_appears(site, report_world):
    """GIVEN RLQ's 4 long waits (suppressed: 1 to 7; RWP's 23 and its site's then suppressed too, or the system's
    27 would give them away) WHEN the measure page is built THEN every area's cell is as published: those empty,
    the system's 27 shown as 25 (the report never reads the warehouse's unrounded counts)."""
    rows = published(report_world)
    april = rows[(rows["measure_id"] == "rtt_over_52_weeks")
                 & (rows["period_start"] == pd.Timestamp("2025-04-01").date())]
    assert april.set_index("area_code")["value"][["RLQ", "RWP"]].isna().all()
    tables = read_tables((site.index.parent / measure_page("rtt_over_52_weeks")).read_text(encoding="utf-8"))
    shown = pd.concat([t for t in tables if "area_code" in t.columns]).set_index("area_code")["value"]
    assert shown["RLQ"] == "" and shown["RWP"] == "" and shown["RWP50"] == ""
    trend = next(t for t in tables if "period_start" in t.columns)
    assert number(trend["value"].iloc[-1]) == 25 and "27" not in set(trend["value"]) | set(trend["numerator"])


def test_data_quality_page_lists_refusals_quarantine_rules_and_late_feeds(site):
    """GIVEN a refused file, three quarantined rows under two rules and a late-feed alert WHEN the data-quality
    page is built THEN each is listed, without the quarantined values."""
    html = (site.index.parent / QUALITY).read_text(encoding="utf-8")
    rules = next(t for t in read_tables(html) if "rule" in t.columns and "rows" in t.columns)
    assert dict(zip(rules["rule"], rules["rows"].map(number), strict=True)) == {"code_list": 2,
                                                                                "nhs_number_check_digit": 1}
    cells = " ".join(" ".join(t.astype(str).to_numpy().ravel()) for t in read_tables(html))
    assert "column 'pathway_id' missing" in cells and "May 2025 not delivered" in cells
    assert "withheld" not in html and ">99<" not in html


def test_dictionary_page_comes_from_the_registry(site, report_world):
    """GIVEN the registry WHEN the site is built THEN each measure has a dictionary page with its numerator."""
    from config.measures import load_measures

    measures = load_measures(report_world.measures_dir, report_world.contracts_dir)
    folder = site.index.parent
    assert all((folder / f"dictionary-{m.id}.html").is_file() for m in measures)
    ed = next(m for m in measures if m.id == "ed_4h_all_types")
    assert ed.numerator.split()[0] in (folder / "dictionary-ed_4h_all_types.html").read_text(encoding="utf-8")


def test_without_a_publication_the_command_says_so_in_one_line(tmp_path):
    """GIVEN an empty working folder WHEN `outcomes report` runs THEN exit 1 with one line naming the folder."""
    env = {**os.environ, "OUTCOMES_WORK_DIR": str(tmp_path)}
    result = subprocess.run([str(Path(sys.executable).with_name("outcomes")), "report"], capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 1 and "no live publication of measure_values" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("after_build", [False, True], ids=["no-build-here", "after-a-build"])
def test_dbt_docs_page_is_built_linked_and_kept(site, report_world, tmp_path, after_build):
    """GIVEN a published world and no dbt docs page yet, in a work folder where no build ran or where one did (its
    run results there, and no manifest.json: a build writes none) WHEN the publish DAG's report runs THEN dbt's
    single-file site is in the report and linked from the overview; a later run, the dbt project unchanged, keeps
    it."""
    settings = dataclasses.replace(report_world, work_dir=tmp_path)
    (tmp_path / "publications").symlink_to(report_world.publications_dir)
    (tmp_path / "warehouse").symlink_to(report_world.warehouse_path.parent)
    if after_build:  # the target folder as a build leaves it: run results (what the report looks for), no manifest
        results_path(settings).parent.mkdir(parents=True)
        results_path(settings).write_text('{"results": []}')
    shutil.copytree(site.index.parent, settings.report_dir)  # its chart bundle is reused: the test times dbt
    result = report_after_publication(settings)  # what the publish DAG runs: no docs page yet, so it builds one
    page = result.index.parent / DBT_DOCS
    assert result.dbt_docs == page and page.stat().st_size > 100_000
    assert "dbt" in page.read_text(encoding="utf-8")[:5000].lower()
    assert f'href="{DBT_DOCS}"' in result.index.read_text(encoding="utf-8")
    again = report_after_publication(settings)  # the dbt project has not changed since
    assert again.dbt_docs is None and (again.index.parent / DBT_DOCS).is_file()


def test_measure_page_draws_the_sii_line_fitted_to_the_published_quintiles(site, report_world):
    """GIVEN ed_4h_all_types published by IMD quintile for April WHEN its page is built THEN the page states the
    SII with its 95% limits, and the quintile chart's table carries the line's value for every fifth, as fitted
    to the published (rounded) figures."""
    from outcomes.report.sii_line import fit

    rows = published(report_world)
    april = rows[(rows["measure_id"] == "ed_4h_all_types") & (rows["area_type"] == "system")
                 & (rows["breakdown"] == "imd_quintile") & (rows["period_start"] == pd.Timestamp("2025-04-01").date())]
    line = fit(april, "proportion")
    html = (site.index.parent / measure_page("ed_4h_all_types")).read_text(encoding="utf-8")
    assert f"SII {line.sii:,.1f} percentage points" in html and f"{line.lower_95:,.1f} to {line.upper_95:,.1f}" in html
    table = next(t for t in read_tables(html) if "sii_line" in t.columns)
    shown = table.set_index("breakdown_value")["sii_line"].map(number)
    assert shown[list("12345")].tolist() == pytest.approx(line.fitted.tolist())


def test_build_reports_each_step_for_the_progress_bar(site, report_world):
    """GIVEN a published world WHEN the report is built again THEN every step is reported once, in order, ending
    at the announced total with the chart bundle (what `outcomes report` draws as its bar on a terminal)."""
    steps = []
    build_report(report_world, on_step=lambda what, done, total: steps.append((what, done, total)))
    assert [done for _, done, _ in steps] == list(range(1, len(steps) + 1))
    assert {total for _, _, total in steps} == {len(steps)}
    assert steps[-1][0] == "chart bundle" and any(what == "ed_4h_all_types" for what, _, _ in steps)


def test_every_chart_gives_altair_its_channel_objects(report_world, monkeypatch):
    """GIVEN a published world WHEN the report is built THEN Altair never converts a shorthand string or a dict into
    a channel: each conversion hashes the JSON schema of every class Altair has (570-odd), which was half of the
    report's build (bench/results.md, issue 18, twenty-fifth round)."""
    from altair.utils import schemapi

    conversions = []
    build = schemapi._FromDict.__init__
    monkeypatch.setattr(schemapi._FromDict, "__init__",
                        lambda self, classes: conversions.append(1) or build(self, classes))
    result = build_report(report_world)
    assert result.charts > 0 and conversions == []
