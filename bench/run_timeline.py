"""Where a timed ``outcomes run`` spent its wall time around its dbt build, from dbt's own run results.

The run's process start and end (the bench's clock) and the first and last node of dbt's ``run_results.json``
(each node's ``timing``, in UTC) split the wall time in three:

- before the build's first node: the process's start, the ingest, and dbt's start (its import and parse, which
  run beside the ingest: transform.dbt_ahead) up to its first node;
- the build's nodes: from the first node's start to the last node's end (models, tests and the run-end hook, on
  dbt's threads);
- after the build's last node: dbt's end, the quality gate and the publication (the analysts' snapshot is copied
  beside it), and the process's end.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from outcomes.airflow_local.api import parse_time

PHASES = ("before_nodes_s", "nodes_s", "after_nodes_s")


def run_phases(run_results: Path, started: float, ended: float) -> dict:
    """The three phases (seconds) of a run that started and ended at the epoch seconds ``started`` and ``ended``
    and wrote ``run_results``; with its nodes counted and its five slowest. {} when dbt ran no node."""
    if not run_results.exists():
        return {}
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    timed = [r for r in results if r.get("timing")]
    if not timed:
        return {}
    first = min(parse_time(r["timing"][0]["started_at"]).timestamp() for r in timed)
    last = max(parse_time(r["timing"][-1]["completed_at"]).timestamp() for r in timed)
    kinds = [r["unique_id"].split(".")[0] for r in results]
    slowest = sorted(results, key=lambda r: -r["execution_time"])[:5]
    return {"before_nodes_s": round(first - started, 2), "nodes_s": round(last - first, 2),
            "after_nodes_s": round(ended - last, 2), "models": kinds.count("model"), "tests": kinds.count("test"),
            "slowest_nodes": [{"node": r["unique_id"].split(".")[-1], "seconds": round(r["execution_time"], 2)}
                              for r in slowest]}


def median_phases(runs: list[dict]) -> dict:
    """The median of each phase over repeated runs (each phase on its own); the counts and slowest nodes of the
    last run. {} when no run has phases."""
    runs = [r for r in runs if r]
    if not runs:
        return {}
    return {**runs[-1], **{p: round(statistics.median(r[p] for r in runs), 2) for p in PHASES}}

