"""Benchmark of the synthetic extract generator: wall time and peak memory of a full run per scale.

    python bench/synth_bench.py                 # default scale (1) and scale 10
    python bench/synth_bench.py --scales 1      # default scale only

Each scale runs in a fresh child process (so peak RSS is that run's own, DuckDB included); results go to
bench/results/synth.json and bench/results/synth.md. Output files are written under OUTCOMES_WORK_DIR (default
<repo>/.work)/bench/synth/scale-<s> and removed afterwards unless --keep is given.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from synth import SynthConfig, generate
out, scale = Path(sys.argv[1]), float(sys.argv[2])
t0 = time.perf_counter()
report = generate(SynthConfig(out_dir=out, scale=scale))
wall = time.perf_counter() - t0
size = sum(p.stat().st_size for p in report.files)
print(json.dumps({"scale": scale, "seconds": round(wall, 1),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                  "files": len(report.files), "bytes": size, "rows_total": sum(report.rows_by_feed.values()),
                  "rows_by_feed": dict(sorted(report.rows_by_feed.items())),
                  "defects": sum(report.defects_by_kind.values())}))
"""


def run_scale(scale: float, work: Path, keep: bool) -> dict:
    out = work / f"scale-{scale:g}"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(out), str(scale)], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        return {"scale": scale, "error": proc.stderr[-2000:], "seconds": round(time.perf_counter() - started, 1)}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if not keep:
        shutil.rmtree(out, ignore_errors=True)
    return result


def write_markdown(results: list[dict], path: Path) -> None:
    lines = ["# Synthetic data generator benchmark", "",
             "Full run (every feed, 12 months from 2025-04, defects on), one fresh process per scale; "
             "peak RSS of that process. Written by `bench/synth_bench.py`.", "",
             "| scale | persons | wall time (s) | peak RSS (MB) | files | rows | size (MB) |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['scale']:g} | | failed after {r['seconds']} s | | | | |")
            continue
        lines.append(f"| {r['scale']:g} | {round(800_000 * r['scale']):,} | {r['seconds']} | {r['peak_rss_mb']:,} | "
                     f"{r['files']} | {r['rows_total']:,} | {r['bytes'] / 1e6:,.0f} |")
    meta = results[0].get("machine", {}) if results else {}
    lines += ["", f"Machine: {meta.get('cpus')} CPUs, Python {meta.get('python')}, {meta.get('platform')}. Wall time "
              "depends on what else the machine is doing (recorded runs shared it with other work); peak RSS is "
              "steady. The target is a peak under 2 GB at scale 10.", ""]
    for r in results:
        if "rows_by_feed" in r:
            lines.append(f"Rows by feed at scale {r['scale']:g}: " + ", ".join(
                f"{k} {v:,}" for k, v in r["rows_by_feed"].items()) + ".")
            lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args(argv)
    work = Path(os.environ.get("OUTCOMES_WORK_DIR", ROOT / ".work")) / "bench" / "synth"
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    results = []
    for scale in args.scales:
        print(f"synth bench: scale {scale:g} ...", flush=True)
        result = run_scale(scale, work, args.keep)
        result["machine"] = machine
        print(json.dumps({k: v for k, v in result.items() if k != "rows_by_feed"}), flush=True)
        results.append(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "synth.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    write_markdown(results, RESULTS / "synth.md")
    return 0 if all("error" not in r for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
