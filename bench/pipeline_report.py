"""The pipeline benchmark's ratios against the targets of issue 18, and its results written as JSON and Markdown
(full mode also replaces the marked pipeline section of bench/results.md)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.measure import ratio

MARK_START = "<!-- pipeline-bench:start (written by bench/pipeline_bench.py; edits inside are overwritten) -->"
MARK_END = "<!-- pipeline-bench:end -->"

# (name, numerator, denominator, figure, target): every ratio divides two medians of the same run
RATIOS = [
    ("run / ingest floor", "run", "ingest_floor", "wall_s", 3.0),
    ("build / build floor", "build", "build_floor", "wall_s", 2.0),
    ("build CPU / build floor CPU", "build", "build_floor", "cpu_s", None),
    ("ingest / ingest floor", "ingest", "ingest_floor", "wall_s", 2.0),
    ("incremental / run", "incremental", "run", "wall_s", 0.1),
    # the same files in, Parquet out (ours also types, checks, pseudonymises and records every row): faster and
    # leaner than the pandas alternative means at most 1
    ("ingest / pandas ingest of the same files, wall", "ingest", "pandas_ingest", "wall_s", 1.0),
    ("ingest / pandas ingest of the same files, CPU", "ingest", "pandas_ingest", "cpu_s", None),
    ("ingest / pandas ingest of the same files, peak RSS", "ingest", "pandas_ingest", "peak_rss_mb", 1.0),
    ("pandas / (ingest + build), wall", "pandas", ("ingest", "build"), "wall_s", None),
    ("pandas / our largest process, peak RSS", "pandas", ("ingest", "build"), "peak_rss_mb", None),
    # the target is the scale itself (time no worse than linear), set in ratios()
    ("run / run at scale 1, wall", "run", "baseline", "wall_s", "scale"),
    ("run / run at scale 1, peak RSS", "run", "baseline", "peak_rss_mb", None),
]
TARGETS = {"run_wall_s": 60.0, "run_peak_rss_mb": 1536.0}
# at a larger scale (10x) the whole run must finish under this peak, whatever the size of the largest file
SCALED_PEAK_RSS_MB = 2560.0


def _figure(scenarios: dict, names: str | tuple[str, ...], figure: str) -> float | None:
    if isinstance(names, str):
        names = (names,)
    if any(n not in scenarios for n in names):
        return None
    values = [scenarios[n][figure] for n in names]
    return max(values) if figure == "peak_rss_mb" else sum(values)


def ratios(scenarios: dict, scale: float = 1.0) -> list[dict]:
    """Each ratio of RATIOS that both sides of were measured, with its target (None: reported, no target)."""
    out = []
    for name, top, bottom, figure, target in RATIOS:
        if target == "scale":
            target = scale
        a, b = _figure(scenarios, top, figure), _figure(scenarios, bottom, figure)
        if a is None or b is None:
            continue
        value = ratio(a, b)
        out.append({"ratio": name, "value": value, "target": target,
                    "met": None if target is None or value is None else value <= target})
    return out


def markdown(result: dict) -> str:
    m, s = result["machine"], result["scenarios"]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    lines = [f"Pipeline benchmark ({result['mode']} mode, `bench/pipeline_bench.py`), started {result['started']}: "
             f"synthetic year at scale {result['scale']:g}, each figure the median of {result['repeats']} run(s). "
             f"Machine: {m['cpus']} CPUs, {m['memory_gb']} GB, Python {m['python']}; {packages}.", "",
             "| scenario | wall s | CPU s | peak RSS MB | load average before -> after (1, 5, 15 min) |",
             "|---|---:|---:|---:|---|"]
    for name, r in s.items():
        load = f"{'/'.join(map(str, r['load_before']))} -> {'/'.join(map(str, r['load_after']))}"
        lines.append(f"| {name} | {r['wall_s']} | {r['cpu_s']} | {r['peak_rss_mb']:,.0f} | {load} |")
    lines += ["", "| ratio (same run) | value | target | met |", "|---|---:|---:|---|"]
    for r in result["ratios"]:
        target = "-" if r["target"] is None else f"<= {r['target']:g}"
        met = "-" if r["met"] is None else ("yes" if r["met"] else "**no**")
        lines.append(f"| {r['ratio']} | {r['value']} | {target} | {met} |")
    run = s.get("run")
    if run and result["scale"] == 1.0:
        lines += ["", f"Whole run: {run['wall_s']} s wall (target < {TARGETS['run_wall_s']:g} s), peak "
                      f"{run['peak_rss_mb']:,.0f} MB (target < {TARGETS['run_peak_rss_mb']:,.0f} MB)."]
    elif run:
        met = "met" if run["peak_rss_mb"] < SCALED_PEAK_RSS_MB else "**not met**"
        lines += ["", f"Whole run at scale {result['scale']:g}: {run['wall_s']} s wall, peak "
                      f"{run['peak_rss_mb']:,.0f} MB (target < {SCALED_PEAK_RSS_MB:,.0f} MB: {met})."]
    phases = (s.get("incremental") or {}).get("phases")
    if phases:  # bench.run_timeline
        slowest = ", ".join(f"{n['node']} {n['seconds']}" for n in phases["slowest_nodes"])
        lines += ["", "Incremental run, where its wall time goes (medians; bench/run_timeline.py): "
                      f"{phases['before_nodes_s']} s before the build's first node (the process's start, the ingest, "
                      f"dbt's start beside it), {phases['nodes_s']} s of the build's nodes ({phases['models']} models "
                      f"and {phases['tests']} tests; slowest, seconds: {slowest}), {phases['after_nodes_s']} s after "
                      "its last node (dbt's end, the gate, the publication)."]
    build = s.get("build")
    if build and build.get("slowest_models"):
        lines += ["", f"dbt build: {build['models']} models ({build['models_s']} s summed over threads) and "
                      f"{build['tests']} tests ({build['tests_s']} s); dbt's own elapsed {build['dbt_elapsed_s']} s. "
                      "Slowest ten models (dbt's timings of the last run, seconds): "
                      + ", ".join(f"{x['model']} {x['seconds']}" for x in build["slowest_models"]) + "."]
    return "\n".join(lines) + "\n"


def replace_section(text: str, section: str) -> str:
    """``text`` with the marked pipeline section replaced by ``section`` (appended when there is none)."""
    block = f"{MARK_START}\n{section.rstrip()}\n{MARK_END}"
    start, end = text.find(MARK_START), text.find(MARK_END)
    if start == -1 or end == -1:
        return text.rstrip() + "\n\n## The whole pipeline (`make bench`)\n\n" + block + "\n"
    return text[:start] + block + text[end + len(MARK_END):]


def write_results(result: dict, bench_dir: Path) -> None:
    text = markdown(result)
    results = bench_dir / "results"
    results.mkdir(parents=True, exist_ok=True)
    if result["mode"] != "full":
        (results / f"pipeline-{result['mode']}.json").write_text(json.dumps(result, indent=1) + "\n",
                                                                  encoding="utf-8")
        (results / f"pipeline-{result['mode']}.md").write_text(text, encoding="utf-8")
    else:
        (bench_dir / "results.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        (results / "pipeline.md").write_text(text, encoding="utf-8")
        summary = bench_dir / "results.md"
        summary.write_text(replace_section(summary.read_text(encoding="utf-8"), text), encoding="utf-8")
    print(text)
