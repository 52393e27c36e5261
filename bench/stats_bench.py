"""Benchmark of the statistics layer: the SII's Monte-Carlo limits at scale, their Monte-Carlo error, and DSRs.

    python bench/stats_bench.py                       # 1,000 groups x 10 deciles x 100,000 draws, each kind
    python bench/stats_bench.py --groups 200          # a quicker run

Results go to bench/results/stats.json and bench/results/stats.md. Each timing runs in a fresh child process
(peak RSS is that call's own). The Monte-Carlo error is measured by repeating one realistic group with 20 seeds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

_CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from bench.stats_bench import sii_frame, dsr_frame
from stats import slope_index_of_inequality, directly_standardised_rate
kind, groups, draws = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if kind == "dsr":
    frame = dsr_frame(groups)
    start, cpu = time.perf_counter(), time.process_time()
    directly_standardised_rate(frame, by=["group"])
else:
    value_type, transform = {"other": ("other", False), "rate": ("rate", False),
                             "rate_transformed": ("rate", True), "proportion": ("proportion", False)}[kind]
    frame = sii_frame(groups, value_type)
    start, cpu = time.perf_counter(), time.process_time()
    slope_index_of_inequality(frame, by=["group"], value_type=value_type, transform=transform, draws=draws)
print(json.dumps({"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def sii_frame(groups: int, value_type: str, seed: int = 1) -> pd.DataFrame:
    """Groups of ten deciles shaped like an attendance rate per 1,000 (or a proportion), with Byar's-like
    95% limits from counts of a few hundred per decile."""
    rng = np.random.default_rng(seed)
    g, q = np.meshgrid(np.arange(groups), np.arange(1, 11), indexing="ij")
    population = rng.integers(2_000, 12_000, size=g.shape)
    rate = (0.4 - 0.015 * (q - 1)) * rng.uniform(0.8, 1.2, size=(groups, 1))
    events = rng.poisson(rate * population)
    value = events / population
    half = 1.96 * np.sqrt(events) / population
    frame = pd.DataFrame({"group": g.ravel(), "quantile": q.ravel(), "population": population.ravel(),
                          "value": value.ravel(), "lower_95": (value - half).ravel(),
                          "upper_95": (value + half).ravel()})
    if value_type == "rate":
        frame[["value", "lower_95", "upper_95"]] *= 1_000
    return frame


def dsr_frame(groups: int, seed: int = 1) -> pd.DataFrame:
    from stats import ESP2013

    rng = np.random.default_rng(seed)
    bands = list(ESP2013)
    frame = pd.DataFrame({"group": np.repeat(np.arange(groups), len(bands)), "age_band": bands * groups})
    frame["population"] = rng.integers(200, 3_000, size=len(frame))
    frame["events"] = rng.poisson(frame["population"] * 0.05)
    return frame


def timed(kind: str, groups: int, draws: int) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT), kind, str(groups), str(draws)],
                         capture_output=True, text=True, check=True)
    return {"kind": kind, "groups": groups, "draws": draws, **json.loads(out.stdout.strip().splitlines()[-1])}


def monte_carlo_error(seeds: int = 20, draws: int = 100_000) -> dict:
    """One realistic group (an attendance rate over ten deciles) simulated with `seeds` seeds: the spread of
    each limit over seeds, the error each run states for itself, both as a share of the 95% interval's width."""
    from stats import slope_index_of_inequality

    frame = sii_frame(1, "rate")
    runs = pd.concat([slope_index_of_inequality(frame, by=["group"], value_type="rate", draws=draws, seed=s,
                                                mc_error=True) for s in range(seeds)])
    width = (runs["sii_upper_95"] - runs["sii_lower_95"]).mean()
    out = {"draws": draws, "seeds": seeds, "sii": float(runs["sii"].iloc[0]), "width_95": float(width)}
    for column in ("sii_lower_95", "sii_upper_95", "sii_lower_998", "sii_upper_998", "rii_lower_95",
                   "rii_upper_95"):
        rii = column.startswith("rii")
        scale = (runs["rii_upper_95"] - runs["rii_lower_95"]).mean() if rii else width
        out[column] = {"sd_over_seeds": float(runs[column].std()),
                       "stated_mc_se": float(runs[f"{column}_mc_se"].mean()),
                       "sd_share_of_width_95": float(runs[column].std() / scale)}
    return out


def write(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "stats.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    lines = ["# Statistics layer benchmark (`bench/stats_bench.py`)", "",
             f"Machine: {results['machine']}, {results['when']}, load average {results['load']:.1f} on "
             f"{results['cpus']} CPUs. Each timing is one call in a fresh process (the call alone, data already in "
             "memory); CPU seconds are less sensitive than wall seconds to what else the machine runs.", "",
             "| call | groups | draws | wall seconds | CPU seconds | peak RSS (MB) |", "|---|---:|---:|---:|---:|---:|"]
    for row in results["timings"]:
        lines.append(f"| {row['kind']} | {row['groups']:,} | {row['draws']:,} | {row['seconds']:.1f} | "
                     f"{row['cpu_seconds']:.1f} | {row['peak_rss_mb']:.0f} |")
    mc = results["monte_carlo_error"]
    lines += ["", f"Monte-Carlo error of the limits: one group (an attendance rate per 1,000 over ten deciles, "
              f"SII {mc['sii']:.2f}, 95% interval width {mc['width_95']:.2f}), {mc['draws']:,} draws, "
              f"{mc['seeds']} seeds.", "",
              "| limit | sd over seeds | stated Monte-Carlo SE (mean) | sd / 95% interval width |",
              "|---|---:|---:|---:|"]
    for name, row in mc.items():
        if isinstance(row, dict):
            lines.append(f"| {name} | {row['sd_over_seeds']:.3g} | {row['stated_mc_se']:.3g} | "
                         f"{row['sd_share_of_width_95']:.2%} |")
    (RESULTS / "stats.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--draws", type=int, default=100_000)
    args = parser.parse_args()
    timings = [timed(kind, args.groups, args.draws) for kind in ("other", "rate_transformed", "rate", "proportion")]
    timings.append(timed("dsr", args.groups * 10, 0))
    results = {"machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
               "when": time.strftime("%Y-%m-%d %H:%M"), "load": os.getloadavg()[0], "cpus": os.cpu_count(),
               "timings": timings, "monte_carlo_error": monte_carlo_error()}
    write(results)
    print((RESULTS / "stats.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
