"""Ingest speed against its floor, in the same run, on the default synthetic year.

    .venv/bin/python bench/ingest_bench.py [--synth-dir DIR] [--work-dir DIR] [--out bench/results]

Ingest: ``ingest.load.ingest_files`` on every CSV file in one call (as ``outcomes ingest`` runs it: two feeds at a
time, files of a feed checked in groups), in a child process (so its peak RSS is its own). Floor: DuckDB's own
``read_csv`` of each file written straight to Parquet (``COPY ... TO``), file after file, also in a child process,
on one connection (ingest keeps one database per process too), run before and after ingest and averaged per file.
Refused files still count (they are read and checked). Target: ingest within 2x the floor.
Writes ``ingest.json`` and ``ingest.md`` into the output folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 2.0


def _csv_files(synth_dir: Path) -> list[tuple[str, Path]]:
    from config.contracts import contract_for_file, load_contracts

    load_contracts(ROOT / "contracts")
    out = []
    for path in sorted(synth_dir.rglob("*.csv")):
        try:
            contract = contract_for_file(ROOT / "contracts", path.name)
        except ValueError:
            continue
        if contract.file.format == "csv":
            out.append((contract.feed_id, path))
    return out


def child_ingest(files: list[tuple[str, Path]], work_dir: Path) -> dict:
    """``ingest_files`` on every file in one call, as ``outcomes ingest`` runs it. A file's seconds are the time
    since the previous file finished: the files of a group finish together, so the first of them carries the
    group's time (per-feed sums are exact: a feed's files are ingested one after another)."""
    os.environ["OUTCOMES_WORK_DIR"] = str(work_dir)
    os.environ.setdefault("OUTCOMES_PSEUDONYM_KEY", "bench-only-throwaway-key-0123456789")
    os.environ["OUTCOMES_ALLOW_TEST_NHS_NUMBERS"] = "1"
    from config.settings import get_settings
    from ingest.errors import FileRejected
    from ingest.load import ingest_files

    settings = get_settings()
    feeds = {str(path): feed_id for feed_id, path in files}
    per_file = []
    started = time.perf_counter()
    last: dict[int, float] = {}  # by thread: the opt-out lists on this one, then each lane's files on its own

    def record(path: Path, outcome) -> None:
        now = time.perf_counter()
        lane = threading.get_ident()
        since = last.get(lane, last.get(threading.main_thread().ident, started))  # a lane starts after the lists
        if isinstance(outcome, FileRejected):
            status, rows = f"rejected ({outcome.rule})", getattr(outcome, "rows_received", None)
        elif isinstance(outcome, Exception):
            raise outcome
        else:
            status, rows = outcome.status, outcome.rows_received
        per_file.append({"feed": feeds[str(path)], "file": path.name, "bytes": path.stat().st_size,
                         "status": status, "rows": rows, "seconds": now - since})
        last[lane] = now

    ingest_files([path for _, path in files], settings=settings, on_result=record)
    wall = time.perf_counter() - started
    by_name = {(entry["feed"], entry["file"]): entry for entry in per_file}
    in_order = [by_name[(feed_id, path.name)] for feed_id, path in files]  # the floor's order
    return {"files": in_order, "wall_seconds": wall,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def child_floor(files: list[tuple[str, Path]], out_dir: Path) -> dict:
    import duckdb

    from config.contracts import contract_for_feed

    per_file = []
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("set enable_progress_bar=false")
    for i, (feed_id, path) in enumerate(files):
        contract = contract_for_feed(ROOT / "contracts", feed_id)
        started = time.perf_counter()
        src = path
        if contract.file.encoding != "utf-8":  # DuckDB reads UTF-8; the floor pays the same transcoding
            src = out_dir / f"{i}.utf8.csv"
            src.write_bytes(path.read_bytes().decode(contract.file.encoding, errors="replace").encode("utf-8"))
        try:
            con.execute(f"copy (select * from read_csv(?, header=true, delim=?, all_varchar=true, "
                        f"ignore_errors=true, strict_mode=false)) to '{out_dir / f'{i}.parquet'}' "
                        "(format parquet, compression zstd)", [str(src), contract.file.delimiter])
            status = "ok"
        except duckdb.Error as exc:
            status = f"error: {str(exc).splitlines()[0][:80]}"
        per_file.append({"feed": feed_id, "file": path.name, "status": status,
                         "seconds": time.perf_counter() - started})
    return {"files": per_file, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _run_child(kind: str, files_json: Path, target: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--files", str(files_json),
                          "--target", str(target)], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _run_parallel_ingest(files: list[tuple[str, Path]], scratch: Path, workers: int) -> dict:
    """Wall time of ingesting every file with ``workers`` concurrent processes sharing one lake (as the
    Airflow ingest tasks do): files dealt largest first, round robin; opt-out lists first."""
    order = sorted(files, key=lambda f: (f[0] != "ndop_optouts", -f[1].stat().st_size))
    shares = [order[i::workers] for i in range(workers)]
    work = scratch / "work_parallel"
    shutil.rmtree(work, ignore_errors=True)
    started = time.perf_counter()
    procs = []
    for i, share in enumerate(shares):
        listing = scratch / f"files_{i}.json"
        listing.write_text(json.dumps([(f, str(p)) for f, p in share]))
        procs.append(subprocess.Popen([sys.executable, __file__, "--child", "ingest", "--files", str(listing),
                                       "--target", str(work)], stdout=subprocess.PIPE, text=True, cwd=ROOT))
    outputs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    wall = time.perf_counter() - started
    return {"workers": workers, "wall_seconds": wall,
            "peak_rss_mb_per_worker": max(o["peak_rss_mb"] for o in outputs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synth-dir", type=Path, help="reuse a generated synthetic year instead of generating")
    parser.add_argument("--work-dir", type=Path, help="scratch folder, kept (default: a temporary folder, "
                        "removed at the end: about 2 GB for the default year)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--workers", type=int, default=2, help="concurrent ingest processes for the parallel run")
    parser.add_argument("--child", choices=["ingest", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--files", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    if args.child:
        files = [(f, Path(p)) for f, p in json.loads(args.files.read_text())]
        fn = child_ingest if args.child == "ingest" else child_floor
        print(json.dumps(fn(files, args.target)))
        return

    scratch = args.work_dir or Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    try:
        _measure(args, scratch)
    finally:
        if args.work_dir is None:  # its own temporary folder: the year, its lake and the floor's copy
            shutil.rmtree(scratch, ignore_errors=True)


def _measure(args: argparse.Namespace, scratch: Path) -> None:
    """Ingest and its floor on the synthetic year in ``scratch``; the results written to ``args.out``."""
    scratch.mkdir(parents=True, exist_ok=True)
    synth_dir, gen_seconds = args.synth_dir, None
    if synth_dir is None:
        from synth import SynthConfig, generate

        synth_dir = scratch / "synth"
        report = generate(SynthConfig(out_dir=synth_dir))  # the default year: scale 1.0, 12 months
        gen_seconds = report.seconds
    files = _csv_files(synth_dir)
    files_json = scratch / "files.json"
    files_json.write_text(json.dumps([(f, str(p)) for f, p in files]))

    for sub in ("work", "floor"):
        shutil.rmtree(scratch / sub, ignore_errors=True)
    # The floor runs before and after ingest and counts as their mean per file: this machine's speed drifts by
    # 10-20% over minutes, and bracketing keeps that drift out of the ratio.
    floor_before = _run_child("floor", files_json, scratch / "floor")
    ingest = _run_child("ingest", files_json, scratch / "work")
    shutil.rmtree(scratch / "floor", ignore_errors=True)
    floor_after = _run_child("floor", files_json, scratch / "floor")
    floor = _mean_floor(floor_before, floor_after)
    parallel = _run_parallel_ingest(files, scratch, args.workers)

    feeds: dict[str, dict] = defaultdict(lambda: {"files": 0, "bytes": 0, "rows": 0, "ingest_s": 0.0,
                                                   "floor_s": 0.0})
    for ing, flo in zip(ingest["files"], floor["files"], strict=True):
        f = feeds[ing["feed"]]
        f["files"] += 1
        f["bytes"] += ing["bytes"]
        f["rows"] += ing["rows"] or 0
        f["ingest_s"] += ing["seconds"]
        f["floor_s"] += flo["seconds"]
    for f in feeds.values():
        f["ratio"] = f["ingest_s"] / f["floor_s"] if f["floor_s"] else None
    total_ingest = ingest["wall_seconds"]  # the lanes' per-feed times overlap: they add up to more
    total_floor = sum(f["floor_s"] for f in feeds.values())
    result = {
        "synth_dir": str(synth_dir), "synth_generate_seconds": gen_seconds, "files": len(files),
        "bytes": sum(f["bytes"] for f in feeds.values()), "rows": sum(f["rows"] for f in feeds.values()),
        "ingest_seconds": total_ingest, "floor_seconds": total_floor, "ratio": total_ingest / total_floor,
        "target_ratio": TARGET_RATIO, "meets_target": total_ingest / total_floor <= TARGET_RATIO,
        "ingest_peak_rss_mb": ingest["peak_rss_mb"], "floor_peak_rss_mb": floor["peak_rss_mb"],
        "floor_runs_seconds": [sum(f["seconds"] for f in run["files"]) for run in (floor_before, floor_after)],
        "parallel": {**parallel, "ratio": parallel["wall_seconds"] / total_floor},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "per_feed": dict(sorted(feeds.items())),
        "per_file": [{**i, "floor_seconds": f["seconds"], "floor_status": f["status"]}
                     for i, f in zip(ingest["files"], floor["files"], strict=True)],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ingest.json").write_text(json.dumps(result, indent=1) + "\n")
    (args.out / "ingest.md").write_text(_markdown(result))
    print(_markdown(result))


def _mean_floor(before: dict, after: dict) -> dict:
    files = [{**b, "seconds": (b["seconds"] + a["seconds"]) / 2} for b, a in zip(before["files"], after["files"],
                                                                                strict=True)]
    return {"files": files, "peak_rss_mb": max(before["peak_rss_mb"], after["peak_rss_mb"])}


def _markdown(r: dict) -> str:
    lines = [
        "# Ingest benchmark: default synthetic year", "",
        f"{r['files']} CSV files, {r['rows']:,} rows, {r['bytes'] / 1e6:,.1f} MB; {r['machine']['cpus']} CPUs, "
        f"Python {r['machine']['python']}.", "",
        f"- ingest (`ingest_files`, one process, as `outcomes ingest` runs): **{r['ingest_seconds']:.1f} s**, peak RSS "
        f"{r['ingest_peak_rss_mb']:,.0f} MB",
        f"- floor (DuckDB `read_csv` -> Parquet, one connection): **{r['floor_seconds']:.1f} s**, the mean of a run "
        f"before ingest ({r['floor_runs_seconds'][0]:.1f} s) and one after ({r['floor_runs_seconds'][1]:.1f} s); "
        f"peak RSS {r['floor_peak_rss_mb']:,.0f} MB",
        f"- ratio: **{r['ratio']:.2f}x** (target <= {r['target_ratio']:.0f}x: "
        f"{'met' if r['meets_target'] else 'NOT met'})",
        f"- ingest with {r['parallel']['workers']} concurrent processes on one lake (as the Airflow ingest tasks run): "
        f"**{r['parallel']['wall_seconds']:.1f} s** wall, {r['parallel']['ratio']:.2f}x the sequential floor, peak RSS "
        f"{r['parallel']['peak_rss_mb_per_worker']:,.0f} MB per process", "",
        "The one-process ratio is the one the target names (the floor is one process too). For every file, ingest "
        "hashes and decodes the bytes, parses the CSV, casts every column and evaluates every contract rule in one "
        "pass, pseudonymises (HMAC-SHA-256, polars-hash) as it writes, explains the flagged rows, finds "
        "duplicate keys, derives ages, removes opt-outs and writes the batch, quarantine and ledger row; the floor "
        "only parses and writes. Files of one feed and layout are checked in groups of up to 24 MB (one statement "
        "per step for the group; every outcome still per file), so the statements' planning is paid per group, "
        "not per file. After the opt-out lists, feeds run in two lanes side by side (ingest.load.LANES), so a feed's "
        "time here is its lane's, from the file before it in that lane, with the other lane's feeds running beside "
        "it: the per-feed times add up to about twice the wall time, and their ratios are not comparable with rounds "
        "before the lanes. Within a feed, a group's time is carried by its first file.", "",
        "| feed | files | rows | MB | ingest s | floor s | ratio |", "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for feed, f in r["per_feed"].items():
        ratio = f"{f['ratio']:.2f}" if f["ratio"] else "-"
        lines.append(f"| {feed} | {f['files']} | {f['rows']:,} | {f['bytes'] / 1e6:,.1f} | {f['ingest_s']:.2f} | "
                     f"{f['floor_s']:.2f} | {ratio} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
