"""Generate every selected feed month by month, inject defects, and write the truth file."""

from __future__ import annotations

import ctypes
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from config.contracts import Contract, load_contracts
from synth import border, effects
from synth.calendar import months as make_months
from synth.config import SynthConfig, SynthReport
from synth.context import Context
from synth.defects import Defect, inject_row_defects
from synth.feeds import FeedDef, FileJob, mh_spells, registry
from synth.feeds.caseload import HORIZON_MONTHS
from synth.feeds.welsh_residents import serves_wales
from synth.file_defects import DRIFT_RENAMES, delivered_at, plan
from synth.geography import load_border_geography, load_geography
from synth.population import build_population
from synth.writer import Appender

Progress = Callable[[str], None] | None


def _select(cfg: SynthConfig, contracts: dict[str, Contract]) -> list[FeedDef]:
    feeds = registry()
    wanted = list(feeds) if cfg.feeds is None else list(cfg.feeds)
    unknown = [f for f in wanted if f not in feeds]
    if unknown:
        raise ValueError(f"unknown feed ids {unknown}; known: {', '.join(sorted(feeds))}")
    missing = [f for f in wanted if f not in contracts]
    if missing:
        raise ValueError(f"no contract in {cfg.contracts_dir} for feeds {missing}")
    return [feeds[f] for f in wanted]


def _clear_previous(out_dir: Path, contract: Contract) -> None:
    folder = out_dir / contract.landing_subdir()
    if folder.is_dir():
        for old in folder.iterdir():
            if old.is_file() and contract.matches(old.name):
                old.unlink()


def _non_ascii_lines(path: Path) -> list[int]:
    return [i for i, line in enumerate(path.read_bytes().split(b"\n"), start=1) if any(b > 127 for b in line)]


CHUNK_ROWS = 250_000  # rows per write: bounds the copies made while injecting defects and writing


def _chunks(built):
    """A feed's rows as slices of at most CHUNK_ROWS (a feed may also yield its own chunks)."""
    for frame in [built] if isinstance(built, pd.DataFrame) else built:
        for lo in range(0, max(len(frame), 1), CHUNK_ROWS):
            yield frame.iloc[lo:lo + CHUNK_ROWS]


class _Run:
    """Writes the files of one run and keeps the deliveries; defects stream to a JSON-lines side file."""

    def __init__(self, cfg: SynthConfig, ctx: Context, defects_path: Path):
        self.cfg, self.ctx = cfg, ctx
        self.files: list[Path] = []
        self.deliveries: list[dict] = []
        self.rows: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()
        self._sink = defects_path.open("w", encoding="utf-8")

    def add(self, defects: list[Defect]) -> None:
        for d in defects:
            self.counts[d.kind] += 1
            self._sink.write(json.dumps(d.as_dict(), ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._sink.close()

    def write(self, feed: FeedDef, job: FileJob, file_defect: str | None) -> None:
        cfg, contract = self.cfg, self.ctx.contracts[feed.feed_id]
        folder = f"{contract.organisation}/{contract.feed}"
        rel, path = f"{folder}/{job.name}", cfg.out_dir / folder / job.name
        deadline = contract.cadence.deadline_days
        if file_defect == "empty_file":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")
            self.add([Defect(feed.feed_id, rel, "empty_file", detail="zero-byte file (no header)")])
            self._record(feed, job, path, rel, 0, delivered_at(job.period_end, deadline), deadline)
            return
        header, encoding = None, None
        if file_defect == "schema_drift":
            old = next(c for c in DRIFT_RENAMES if c in contract.column_names)
            header = [DRIFT_RENAMES[old] if c == old else c for c in contract.column_names]
            self.add([Defect(feed.feed_id, rel, "schema_drift", 1, old, old, DRIFT_RENAMES[old],
                             f"column {old!r} renamed to {DRIFT_RENAMES[old]!r} in the header")])
        if file_defect == "windows_1252":
            encoding = "windows-1252"
        v2 = None
        if file_defect == "resubmission":
            stem, _, ext = job.name.rpartition(".")
            v2_name = f"{stem}_v2.{ext}"
            if not contract.matches(v2_name):
                raise ValueError(f"{feed.feed_id}: resubmission {v2_name} does not match {contract.file.pattern}")
            v2_rel = f"{folder}/{v2_name}"
            v2 = Appender(cfg.out_dir / v2_rel, contract)
        rng = self.ctx.rng(f"defects:{feed.feed_id}:{job.key}", job.month)
        built = feed.build(self.ctx, job)
        with Appender(path, contract, header, encoding) as out:
            for chunk in _chunks(built):
                if v2 is not None:
                    v2.append(chunk)
                if file_defect in (None, "late_file", "resubmission"):
                    chunk, found = inject_row_defects(chunk, contract, cfg, rng, feed.feed_id, rel, out.rows + 2)
                    self.add(found)
                out.append(chunk)
        if file_defect == "windows_1252":
            lines = _non_ascii_lines(path)
            self.add([Defect(feed.feed_id, rel, "windows_1252", lines[0] if lines else None,
                             detail=f"encoded Windows-1252 (contract: {contract.file.encoding}); "
                                    f"non-ASCII (pound sign, accented names) on lines {lines[:50]}")])
        when = delivered_at(job.period_end, deadline, late=file_defect == "late_file")
        self._record(feed, job, path, rel, out.rows, when, deadline)
        if file_defect == "late_file":
            self.add([Defect(feed.feed_id, rel, "late_file", detail=(
                f"delivered {when}, due by {job.period_end + np.timedelta64(deadline, 'D')} "
                f"({deadline} days after the period)"))])
        if v2 is not None:
            v2.close()
            when2 = delivered_at(job.period_end, deadline, resubmission=True)
            self._record(feed, job, v2.path, v2_rel, v2.rows, when2, deadline, supersedes=rel)
            self.add([Defect(feed.feed_id, v2_rel, "resubmission", detail=(
                f"corrected resubmission of {rel} (same period, row defects removed); supersedes it"))])

    def _record(self, feed: FeedDef, job: FileJob, path: Path, rel: str, rows: int, when: np.datetime64,
                deadline: int, supersedes: str | None = None) -> None:
        epoch = (when - np.datetime64("1970-01-01T00:00:00")).astype(int)
        os.utime(path, (int(epoch), int(epoch)))
        self.files.append(path)
        self.rows[feed.feed_id] += rows
        entry = {"feed": feed.feed_id, "file": rel, "period_start": str(job.period_start), "rows": rows,
                 "delivered_at": str(when), "due_by": str(job.period_end + np.timedelta64(deadline, "D"))}
        if supersedes:
            entry["supersedes"] = supersedes
        self.deliveries.append(entry)


def generate(cfg: SynthConfig, progress: Progress = None) -> SynthReport:
    """Write synthetic extracts for the selected feeds under ``cfg.out_dir`` and return what was written."""
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    out_dir = Path(cfg.out_dir)
    cfg = cfg if cfg.out_dir == out_dir else SynthConfig(**{**cfg.__dict__, "out_dir": out_dir})
    contracts = {c.feed_id: c for c in load_contracts(Path(cfg.contracts_dir))}
    selected = _select(cfg, contracts)
    window = make_months(cfg.start, cfg.months)
    geo = load_geography(Path(cfg.reference_dir))
    say(f"population: {cfg.n_persons:,} persons")
    pop = build_population(cfg.n_persons, cfg.seed, geo, window[0].start)
    welsh = border.build_border_population(pop, geo, load_border_geography(Path(cfg.reference_dir)),
                                           border.WELSH_SHARE, cfg.seed)
    say(f"Welsh border residents (Wye Valley's feeds only): {welsh.n:,} persons")
    ctx = Context(cfg, pop, window, contracts, border=Context(cfg, welsh, window, contracts, namespace="wales"))
    placements = plan([f.feed_id for f in selected], len(window), cfg.with_file_defects)
    for feed in selected:
        _clear_previous(out_dir, contracts[feed.feed_id])
    out_dir.mkdir(parents=True, exist_ok=True)
    defects_path = out_dir / ".truth_defects.jsonl"
    run = _Run(cfg, ctx, defects_path)
    for month in window:
        say(f"month {month.label}")
        for feed in selected:
            for i, job in enumerate(feed.files(month)):
                kind = placements.get((feed.feed_id, month.index)) if i == 0 else None
                run.write(feed, job, kind)
        ctx.done_with(month.index, keep={"csds": HORIZON_MONTHS, "mhsds": HORIZON_MONTHS,
                                               "mh_spells": mh_spells.LOOKBACK_MONTHS + 2})
        _release_memory()
    run.close()
    truth_path = out_dir / "truth.json"
    truth = {
        "generator": "synth",
        "config": {"seed": cfg.seed, "scale": cfg.scale, "start": cfg.start, "months": cfg.months,
                   "clean": cfg.clean, "population": cfg.population, "persons": cfg.n_persons,
                   "feeds": [f.feed_id for f in selected],
                   "defect_rates": {k: cfg.rate(k) for k in cfg.defect_rates}},
        "effects": effects.describe(ctx),
        "welsh_residents": border.describe(welsh, pop, border.WELSH_SHARE,
                                           [f.feed_id for f in selected if serves_wales(f.feed_id)]),
        "rows_by_feed": dict(sorted(run.rows.items())),
        "defect_counts": dict(sorted(run.counts.items())),
        "deliveries": sorted(run.deliveries, key=lambda d: (d["delivered_at"], d["file"])),
    }
    _write_truth(truth, defects_path, truth_path)
    return SynthReport(out_dir, run.files, truth_path, dict(run.rows), dict(run.counts),
                       time.perf_counter() - started)


def _release_memory() -> None:
    """Hand freed memory back to the system between months (Arrow's pool and glibc keep it otherwise), so the
    peak is one month's working set rather than the high-water mark of fragments."""
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def _write_truth(head: dict, defects_path: Path, truth_path: Path) -> None:
    """truth.json = the run's summary plus every defect, streamed from the side file (it can be large)."""
    text = json.dumps(head, indent=1, ensure_ascii=False)
    with truth_path.open("w", encoding="utf-8") as out, defects_path.open(encoding="utf-8") as lines:
        out.write(text[:-2] + ',\n "defects": [')
        for i, line in enumerate(lines):
            out.write(("\n  " if i == 0 else ",\n  ") + line.rstrip("\n"))
        out.write("\n ]\n}\n")
    defects_path.unlink()
