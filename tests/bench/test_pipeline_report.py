"""bench.pipeline_report: ratios of two medians of the same run, and the marked section of bench/results.md."""

from __future__ import annotations

from bench.pipeline_report import MARK_END, MARK_START, markdown, ratios, replace_section


def _scenario(wall: float, cpu: float = 1.0, rss: float = 100.0) -> dict:
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": rss}


def test_ratios_divide_medians_of_the_same_run_and_judge_their_targets():
    """GIVEN a build of 90 s against a floor of 30 s, an ingest of 20 s against 8 s, and no incremental run
    WHEN the ratios are taken
    THEN build / floor is 3.0 (target 2: not met), ingest / floor 2.5, and the incremental ratio is left out."""
    scenarios = {"build": _scenario(90.0, rss=800.0), "build_floor": _scenario(30.0), "ingest": _scenario(20.0),
                 "ingest_floor": _scenario(8.0), "run": _scenario(100.0), "pandas": _scenario(55.0, rss=1200.0)}
    by_name = {r["ratio"]: r for r in ratios(scenarios)}
    assert by_name["build / build floor"] == {"ratio": "build / build floor", "value": 3.0, "target": 2.0,
                                              "met": False}
    assert by_name["ingest / ingest floor"]["value"] == 2.5
    assert by_name["run / ingest floor"]["value"] == 12.5
    assert by_name["pandas / (ingest + build), wall"]["value"] == 0.5  # 55 / (20 + 90)
    assert by_name["pandas / our largest process, peak RSS"]["value"] == 1.5  # 1200 / max(100, 800)
    assert "incremental / run" not in by_name


def test_the_pipeline_section_is_replaced_between_its_marks_and_appended_when_missing():
    """GIVEN a results page with hand-written text around the marked section, and one without the marks
    WHEN the section is written
    THEN only the text between the marks changes; the page without marks gets the section at its end."""
    page = f"# Results\n\nby hand\n\n{MARK_START}\nold figures\n{MARK_END}\n\nmore by hand\n"
    updated = replace_section(page, "new figures\n")
    assert updated == f"# Results\n\nby hand\n\n{MARK_START}\nnew figures\n{MARK_END}\n\nmore by hand\n"
    appended = replace_section("# Results\n", "new figures")
    assert appended.startswith("# Results\n") and appended.endswith(f"{MARK_START}\nnew figures\n{MARK_END}\n")


def test_a_scaled_run_is_judged_against_linear_growth_and_its_own_memory_ceiling():
    """GIVEN a run of the 10x year of 1,150 s and 2,700 MB beside a run of the 1x year of 120 s in the same bench
    WHEN the ratios and the page are written
    THEN the growth 9.58 meets its target of 10 (linear), and the peak misses the 2.5 GB ceiling of a scaled run."""
    scenarios = {"run": _scenario(1150.0, rss=2700.0), "baseline": _scenario(120.0, rss=1200.0)}
    by_name = {r["ratio"]: r for r in ratios(scenarios, scale=10.0)}
    assert by_name["run / run at scale 1, wall"] == {"ratio": "run / run at scale 1, wall", "value": 9.58,
                                                     "target": 10.0, "met": True}
    assert by_name["run / run at scale 1, peak RSS"]["value"] == 2.25
    machine = {"cpus": 2, "memory_gb": 23.5, "python": "3.11", "packages": {}}
    scenarios = {name: {**s, "load_before": [1.0], "load_after": [1.0]} for name, s in scenarios.items()}
    page = markdown({"mode": "10x", "scale": 10.0, "repeats": 1, "started": "2026-12-04T00:00:00Z",
                     "machine": machine, "scenarios": scenarios, "ratios": list(by_name.values())})
    assert "Whole run at scale 10: 1150.0 s wall, peak 2,700 MB (target < 2,560 MB: **not met**)." in page
    assert "target < 60 s" not in page


def test_our_ingest_is_judged_against_pandas_reading_the_same_files_faster_and_leaner():
    """GIVEN our ingest of 18 s, 33 s CPU and 1,000 MB against pandas reading the same files to Parquet in 14 s,
    13 s CPU and 500 MB
    WHEN the ratios are taken
    THEN wall 1.29 and peak 2.0 miss their target of 1 (faster and leaner), and the CPU ratio is reported."""
    scenarios = {"ingest": _scenario(18.0, cpu=33.0, rss=1000.0), "pandas_ingest": _scenario(14.0, 13.0, 500.0)}
    by_name = {r["ratio"]: r for r in ratios(scenarios)}
    assert by_name["ingest / pandas ingest of the same files, wall"] == {
        "ratio": "ingest / pandas ingest of the same files, wall", "value": 1.29, "target": 1.0, "met": False}
    assert by_name["ingest / pandas ingest of the same files, peak RSS"]["value"] == 2.0
    assert by_name["ingest / pandas ingest of the same files, CPU"]["target"] is None


def test_only_a_run_of_every_stage_at_scale_1_replaces_the_recorded_results():
    """GIVEN runs of every stage, of a few stages, in quick mode, and of the 10x year
    WHEN their results' destination is chosen
    THEN only the whole run is 'full' (bench/results.json, results.md); a few stages are 'partial'."""
    from bench.pipeline_bench import STAGES, result_mode

    every = [s for s in STAGES if s != "baseline"]
    assert result_mode(False, 1.0, every) == "full"
    assert result_mode(False, 1.0, ["synth", "ingest", "pandas"]) == "partial"
    assert result_mode(True, 0.05, every) == "quick"
    assert result_mode(False, 10.0, ["synth", "ingest", "run", "baseline"]) == "10x"


def test_the_results_page_says_where_the_incremental_runs_time_went():
    """GIVEN an incremental scenario with its phases WHEN the results are written THEN the page has a sentence
    giving each phase and the slowest node."""
    scenario = {"wall_s": 13.9, "cpu_s": 22.2, "peak_rss_mb": 1187.0, "load_before": [1.0] * 3,
                "load_after": [1.0] * 3,
                "phases": {"before_nodes_s": 2.2, "nodes_s": 9.0, "after_nodes_s": 2.1, "models": 24, "tests": 74,
                           "slowest_nodes": [{"node": "int_measure_records_enriched", "seconds": 2.01}]}}
    result = {"mode": "partial", "scale": 1.0, "repeats": 1, "started": "2026-12-07T19:00:00Z",
              "machine": {"cpus": 2, "memory_gb": 23.5, "python": "3.11", "packages": {}},
              "scenarios": {"incremental": scenario}, "ratios": []}

    text = markdown(result)

    assert ("2.2 s before the build's first node" in text and "9.0 s of the build's nodes (24 models and 74 tests;"
            in text and "int_measure_records_enriched 2.01" in text and "2.1 s after its last node" in text)
