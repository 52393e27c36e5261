"""What every benchmark of the pipeline measures, and how: one command in a child process, its wall time, CPU
time and peak memory; the median of repeated runs; the machine and the package versions a result was taken on.

CPU and peak RSS come from ``os.wait4`` on the child: on Linux they include every descendant the child waited
for (``outcomes build`` runs dbt as a child of its own), and the peak is that of the largest single process, not
a sum.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

PACKAGES = ("duckdb", "dbt-core", "dbt-duckdb", "pandas", "pyarrow", "numpy", "polars", "polars-hash",
            "great-expectations", "apache-airflow")


@dataclass(frozen=True)
class Run:
    """One run of a command: wall and CPU seconds, peak RSS of its largest process (MB), exit code."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    returncode: int

    def to_dict(self) -> dict:
        return {k: round(v, 2) if isinstance(v, float) else v for k, v in asdict(self).items()}


class CommandFailed(RuntimeError):
    """A benchmarked command exited with a code it is not allowed to; the message names it and its output."""


def run_command(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
                ok_codes: tuple[int, ...] = (0,), log: Path | None = None) -> Run:
    """Run ``cmd`` to the end and measure it. Output goes to ``log`` (else is discarded); an exit code outside
    ``ok_codes`` raises CommandFailed with the end of the log."""
    out = open(log, "w", encoding="utf-8") if log else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    finally:
        if log:
            out.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    run = Run(wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime, peak_rss_mb=usage.ru_maxrss / 1024,
              returncode=proc.returncode)
    if run.returncode not in ok_codes:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log else ""
        raise CommandFailed(f"{' '.join(cmd[:4])} ... exited {run.returncode} (allowed {ok_codes}); log {log}:\n"
                            f"{tail}")
    return run


def median_run(runs: list[Run]) -> dict:
    """The median of each figure over repeated runs (each figure on its own), with every run kept."""
    return {"runs": len(runs),
            "wall_s": round(statistics.median(r.wall_s for r in runs), 2),
            "cpu_s": round(statistics.median(r.cpu_s for r in runs), 2),
            "peak_rss_mb": round(statistics.median(r.peak_rss_mb for r in runs), 1),
            "each": [r.to_dict() for r in runs]}


def ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 2) if denominator else None


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict:
    """Cores, memory, Python and the versions of the packages that do the work."""
    memory_gb = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"cpus": os.cpu_count(), "memory_gb": memory_gb, "python": platform.python_version(),
            "platform": platform.platform(), "packages": versions}
