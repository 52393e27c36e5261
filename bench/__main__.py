"""`make bench` / `python -m bench [--quick] [NAME ...]`: run the recorded benchmarks one after another, each
writing its results under bench/results/. Names: pipeline (every stage of the synthetic year against its floors
and the pandas alternative, bench/pipeline_bench.py), ingest (the grouped ingest against its DuckDB floor), synth
(generation at scale 1; `synth --scales 1 10` by hand for 10x), stats (the SII Monte-Carlo), latency (the real
scheduler, slow), gate (the raw-level quality gate against its DuckDB floor on the synthetic year), leak (true
counts recoverable from published cells, before and after the disclosure profiles). With no name: pipeline, ingest
and stats. --quick (`make bench QUICK=1`, a few minutes): the pipeline benchmark's quick mode
only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {
    "pipeline": ["pipeline_bench.py"],
    "ingest": ["ingest_bench.py"],
    "synth": ["synth_bench.py", "--scales", "1"],
    "stats": ["stats_bench.py"],
    "latency": ["latency_bench.py"],
    "gate": ["gate_bench.py"],
    "leak": ["disclosure_leak.py"],
}
DEFAULT = ["pipeline", "ingest", "stats"]


def main(argv: list[str]) -> int:
    if {"-h", "--help"} & set(argv):
        print(__doc__)
        return 0
    quick = "--quick" in argv
    argv = [a for a in argv if a != "--quick"]
    names = argv or (["pipeline"] if quick else DEFAULT)
    unknown = [n for n in names if n not in SCRIPTS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}: choose from {sorted(SCRIPTS)}", file=sys.stderr)
        return 2
    for name in names:
        script, *args = SCRIPTS[name]
        print(f"==> bench {name}", flush=True)
        if quick and name == "pipeline":
            args = [*args, "--quick"]
        code = subprocess.call([sys.executable, str(HERE / script), *args])
        if code:
            print(f"bench {name} failed (exit {code})", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
