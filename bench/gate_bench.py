"""The quality gate's raw-level suites against their floor, in the same run, on the synthetic year.

    .venv/bin/python bench/gate_bench.py [--scale 1] [--months 12] [--repeats 3] [--work-dir DIR] [--out DIR]

Data: the synthetic year (``synth.generate``, scale 1 and 12 months by default) ingested into a scratch lake (or
the lake already in ``--work-dir``). Gate: ``publish.gate.run_raw_gate`` on every delivered feed: the generated
suites from the contracts, each expectation pushed down to DuckDB by Great Expectations, results stored in the
file-backed GX project and Data Docs built, as ``outcomes gate --raw`` runs it. Floor: one hand-written DuckDB
query per feed doing the same checks (``publish.raw_gate.floor_query``: row count, nulls, codes, ranges, duplicate
keys), over the same Parquet files, run before and after each gate. The gate runs ``--repeats`` times in the same
project (each run stores its results, so the Data Docs index grows as a daily pipeline's does, up to
``publish.gx_project.KEPT_RUNS`` runs of each suite) and the floor once around each: the figures are the medians.
The process lives as the ``outcomes`` command does (``config.short_lived.run``: its collector set, its end).
Target: the gate within 2x the floor. Writes ``gate.json`` and ``gate.md`` into the output folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_RATIO = 2.0


def prepare(work: Path, scale: float, months: int) -> dict:
    """Generate and ingest the synthetic data into ``work`` unless its lake already holds deliveries."""
    from config.settings import get_settings

    settings = get_settings()
    if settings.ledger_dir.is_dir() and any(settings.ledger_dir.glob("*.json")):
        return {"prepared": "reused the lake in the working folder"}
    from config.contracts import contract_for_file
    from ingest.load import ingest_files
    from synth import SynthConfig, generate

    started = time.perf_counter()
    synth_dir = work / "synth"
    generate(SynthConfig(out_dir=synth_dir, scale=scale, months=months, reference_dir=settings.reference_dir))
    generated = time.perf_counter() - started
    files = []
    for path in sorted(p for p in synth_dir.rglob("*") if p.is_file()):
        try:
            contract_for_file(settings.contracts_dir, path.name)
        except ValueError:
            continue  # the truth file and manifests
        files.append(path)
    ingest_files(files, settings=settings)
    return {"prepared": "generated and ingested", "synth_seconds": round(generated, 1),
            "ingest_seconds": round(time.perf_counter() - started - generated, 1), "files": len(files)}


def floor(settings) -> tuple[float, dict[str, list]]:
    import duckdb

    from config.contracts import load_contracts
    from publish.raw_gate import current_files, delivered_feeds, floor_query

    contracts = load_contracts(settings.contracts_dir)
    started = time.perf_counter()  # from the ledger read, as the gate's time is
    files = current_files(settings)
    found = {}
    with duckdb.connect() as con:
        for contract in delivered_feeds(contracts, files):
            found[contract.feed_id] = list(con.execute(floor_query(contract, files[contract.feed_id])).fetchone())
    return time.perf_counter() - started, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3, help="gate runs (default 3); the floor runs once more")
    parser.add_argument("--work-dir", type=Path, help="working folder (default: a temporary folder)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="gate-bench-"))
    os.environ["OUTCOMES_WORK_DIR"] = str(work)
    os.environ.setdefault("OUTCOMES_PSEUDONYM_KEY", "bench-only-throwaway-key-0123456789")
    os.environ["OUTCOMES_ALLOW_TEST_NHS_NUMBERS"] = "1"
    from config.settings import get_settings
    from publish.gate import run_raw_gate
    from publish.gx_project import project_dir
    from publish.raw_gate import current_files

    settings = get_settings()
    prepared = prepare(work, args.scale, args.months)
    import great_expectations  # noqa: F401 - imported before timing (2-3 s, paid once per process)

    floor_runs, gate_runs = [], []
    seconds, counts = floor(settings)
    floor_runs.append(seconds)
    for _ in range(args.repeats):
        started = time.perf_counter()
        gates = run_raw_gate(settings)
        gate_runs.append(time.perf_counter() - started)
        floor_runs.append(floor(settings)[0])
    gate_seconds, floor_seconds = statistics.median(gate_runs), statistics.median(floor_runs)
    rows = sum(v[0] for v in counts.values())
    files = sum(len(feed_files) for feed_files in current_files(settings).values())
    result = {
        "scale": args.scale, "months": args.months, **prepared, "feeds": len(gates), "parquet_files": files,
        "rows": rows, "expectations": sum(g.evaluated for g in gates),
        "failed_expectations": sum(len(g.failures) for g in gates),
        "gate_seconds": round(gate_seconds, 2), "floor_seconds": round(floor_seconds, 2),
        "gate_runs": [round(x, 2) for x in gate_runs], "floor_runs": [round(x, 2) for x in floor_runs],
        "stored_results": sum(1 for _ in (project_dir(settings) / "uncommitted" / "validations").rglob("*.json")),
        "ratio": round(gate_seconds / floor_seconds, 2), "target_ratio": TARGET_RATIO,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_average": os.getloadavg(), "cpus": os.cpu_count(), "python": platform.python_version(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gate.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (args.out / "gate.md").write_text(
        "| rows | feeds | expectations | gate (median) | floor (one DuckDB query per feed) | ratio (target < 2) |\n"
        "|---:|---:|---:|---:|---:|---:|\n"
        f"| {rows:,} | {len(gates)} | {result['expectations']} | {gate_seconds:.2f} s | {floor_seconds:.2f} s | "
        f"{result['ratio']:.2f} |\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    from config.short_lived import run

    run(main)
