"""`make bench` / `python -m bench [NAME ...]`: run the recorded benchmarks one after another, each writing its
results under bench/results/. Names: ingest (the grouped ingest against its DuckDB floor), synth (generation at
scale 1; `synth --scales 1 10` by hand for 10x), stats (the SII Monte-Carlo), latency (the real scheduler, slow),
leak (true counts recoverable from published cells, before and after the disclosure profiles).
With no name: ingest, synth and stats."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {
    "ingest": ["ingest_bench.py"],
    "synth": ["synth_bench.py", "--scales", "1"],
    "stats": ["stats_bench.py"],
    "latency": ["latency_bench.py"],
    "leak": ["disclosure_leak.py"],
}
DEFAULT = ["ingest", "synth", "stats"]


def main(argv: list[str]) -> int:
    names = argv or DEFAULT
    unknown = [n for n in names if n not in SCRIPTS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}: choose from {sorted(SCRIPTS)}", file=sys.stderr)
        return 2
    for name in names:
        script, *args = SCRIPTS[name]
        print(f"==> bench {name}", flush=True)
        code = subprocess.call([sys.executable, str(HERE / script), *args])
        if code:
            print(f"bench {name} failed (exit {code})", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
