"""Chaos: the whole pipeline killed at any moment loses nothing and doubles nothing.

Nine times (three per phase; ``make chaos`` runs sixty): deliver a small set of files to landing, start ``outcomes
run`` (a real process), SIGKILL its whole process group (the run and the dbt build it started) at a random moment in
ingest, build or publication, then run ``outcomes run`` again, once, to completion. Afterwards the lake's current
rows (the ``lake`` views), the warehouse tables (and the analysts' snapshot of them) and the live publication must
equal those of an uninterrupted run, and no invariant of tests/e2e/observe.py may be broken (no file loaded twice,
no uncommitted batch in the lake, no version without its complete manifest, nothing left claimed in the inbox). One
rerun must be enough: it re-takes the files the killed run left claimed, rebuilds the warehouse and completes a
half-done publication, so a second rerun would only hide a run that cannot recover on its own.

The moments: each trial targets a phase (ingest, build, publish, in turn) and kills at a random fraction of
that phase's duration in the reference run, counted from the moment the run logs the phase's start (``run:
ingest``, ``run: build``, ``run: publish``), so the kills land in the phase even on a slow or busy machine.
The seed is printed (and named in every failure); ``CHAOS_SEED=<seed>`` replays the same plan,
``CHAOS_TRIAL=<n>`` only trial n of it, ``CHAOS_TRIALS=<n>`` changes the number of trials. Every CI run draws a
new seed, so the moments tried grow run by run; nine keep ``make test`` within its budget (twelve took 198 s of
processor time and 3.5 min in the suite, each trial about 15 s of processor time; twenty were about a quarter of the
suite's 35 min), and ``make chaos`` soaks sixty.

Time: every run builds the published table's dbt lineage and the delivered feeds' lake views, not the whole
project (see RUN_OPTIONS), and publishes that table. The trials run in two lanes side by side (``CHAOS_LANES``),
each lane in one working-folder path emptied between its trials except dbt's parse cache (``dbt/target``), so dbt
parses the project once per lane rather than once per run; a kill that corrupts that cache is then also survived by
the lane's next run.
"""

from __future__ import annotations

import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from config import names
from config.contracts import contract_for_file
from config.settings import Settings, get_settings
from outcomes.airflow_local.delivery import drop_for_feed
from tests.conftest import TEST_KEY
from tests.e2e.observe import Outcome, broken_invariants, observe

pytestmark = [pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
OUTCOMES = Path(sys.executable).with_name("outcomes")
FEEDS = ["ndop_optouts", "rwp_ecds", "rlq_ecds", "r1a_miu"]
PHASES = ("ingest", "build", "publish")
MARKS = {"run: ingest": "ingest", "run: build": "build", "run: publish": "publish", "run: done": "done"}
RUN_TIMEOUT_S = 300
TRIALS = 9  # three per phase
TABLE = "ed_four_hour_performance"
# The dbt build is the published table's lineage plus the lake views of the delivered feeds: 14 models and 49
# tests, 7 s of processor time, where the whole project (68 models, 287 tests, most of them measures these feeds
# do not feed) takes 21 s. A kill meets the same dbt, DuckDB and snapshot code either way.
RUN_OPTIONS = ["--table", TABLE, "--select", f"+{TABLE}", "--select", "lake__superseded_keys",
               *(o for feed in FEEDS for o in ("--select", names.lake_model(feed)))]
LANES = int(os.environ.get("CHAOS_LANES") or min(2, os.cpu_count() or 1))  # working folders side by side


def _seed() -> int:
    return int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(1, 10**6))


@dataclass
class Run:
    """An ``outcomes -v run`` process in its own process group, the moments it logged each phase's start."""

    proc: subprocess.Popen
    started: float
    marks: dict[str, float] = field(default_factory=dict)
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    seen: threading.Condition = field(default_factory=threading.Condition)
    readers: list[threading.Thread] = field(default_factory=list)

    @classmethod
    def start(cls, env: dict[str, str]) -> Run:
        proc = subprocess.Popen([str(OUTCOMES), "-v", "run", *RUN_OPTIONS], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        run = cls(proc, time.monotonic())
        for stream, lines in ((proc.stderr, run.stderr), (proc.stdout, run.stdout)):
            run.readers.append(threading.Thread(target=run._read, args=(stream, lines), daemon=True))
            run.readers[-1].start()
        return run

    def _read(self, stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line)
            for text, phase in MARKS.items():
                if text in line:
                    with self.seen:
                        self.marks[phase] = time.monotonic() - self.started
                        self.seen.notify_all()

    def wait_for_mark(self, phase: str, timeout: float) -> bool:
        with self.seen:
            return self.seen.wait_for(lambda: phase in self.marks or self.proc.poll() is not None, timeout) and (
                phase in self.marks)

    def kill(self) -> float:
        """SIGKILL the whole process group (the run and its dbt); the moment, in seconds since the start."""
        at = time.monotonic() - self.started
        os.killpg(self.proc.pid, signal.SIGKILL)
        return at

    def finish(self) -> int:
        code = self.proc.wait(timeout=RUN_TIMEOUT_S)
        for reader in self.readers:
            reader.join(timeout=10)
        return code

    def phase_at(self, moment: float) -> str:
        """The phase the run was in at ``moment`` (the last phase start logged before it)."""
        started = [(t, p) for p, t in self.marks.items() if t <= moment]
        return max(started)[1] if started else "start-up"

    def output(self) -> str:
        return "".join(self.stdout) + "".join(line for line in self.stderr if "Skipping registering" not in line)


def run_to_end(env: dict[str, str]) -> tuple[Run, int]:
    run = Run.start(env)
    return run, run.finish()


def completed(run: Run, code: int) -> str | None:
    """None when the run went to the end (exit 1 only for refused files), else why not."""
    out = "".join(run.stdout)
    if code == 0 or (code == 1 and "  refused " in out):
        return None if f"published: {TABLE}" in out else "no publication reported"
    return f"exit code {code}: {run.output()[-3000:]}"


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory) -> list[Path]:
    """GIVEN a small synthetic set, defects included: two months of the opt-out list, RWP and RLQ ECDS (RWP's
    drives the published ed_four_hour_performance) and R1A MIU: 9 files, one resubmission, two refused (an
    empty file, a renamed column); RWP's April file travels with a manifest sidecar."""
    import hashlib
    import json

    from synth import SynthConfig, generate

    out = tmp_path_factory.mktemp("chaos_synth")
    report = generate(SynthConfig(out_dir=out, population=4_000, months=2, start="2025-04", seed=11, feeds=FEEDS,
                                  reference_dir=REPO / "reference"))
    files = sorted(p for p in report.files if p.suffix == ".csv")
    april = next(p for p in files if p.name == "RWP_ECDS_2025-04.csv")
    april.with_name(april.name + ".manifest.json").write_text(json.dumps({
        "sha256": hashlib.sha256(april.read_bytes()).hexdigest(),
        "row_count": len(april.read_text().splitlines()) - 1}))
    return files


def deliver(files: list[Path], settings: Settings) -> None:
    """Drop the files the way partners must (file, then _READY), each into its feed's landing folder."""
    by_feed: dict[str, list[Path]] = {}
    for path in files:
        by_feed.setdefault(contract_for_file(settings.contracts_dir, path.name).feed_id, []).append(path)
    for feed_id, paths in by_feed.items():
        drop_for_feed(paths, feed_id, settings)


def empty_work(work: Path) -> None:
    """Remove everything a run wrote except dbt's parse cache and logs."""
    for item in work.iterdir() if work.exists() else []:
        if item.name != "dbt":
            shutil.rmtree(item) if item.is_dir() else item.unlink()


@dataclass(frozen=True)
class Plan:
    trial: int
    phase: str
    fraction: float

    @classmethod
    def draw(cls, seed: int, trial: int) -> Plan:
        rnd = random.Random(f"{seed}:{trial}")
        return cls(trial, PHASES[trial % len(PHASES)], rnd.random())


def run_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTCOMES_")}
    return {**env, "OUTCOMES_WORK_DIR": str(work), "OUTCOMES_PSEUDONYM_KEY": TEST_KEY,
            "OUTCOMES_ALLOW_TEST_NHS_NUMBERS": "1"}


@dataclass
class Reference:
    outcome: Outcome
    durations: dict[str, float]  # seconds each phase took in the uninterrupted run


@dataclass
class Lane:
    """One working folder in which trials run one after another."""

    settings: Settings
    files: list[Path]

    @property
    def env(self) -> dict[str, str]:
        return run_env(self.settings.work_dir)

    def fresh(self) -> None:
        empty_work(self.settings.work_dir)
        deliver(self.files, self.settings)

    def trial(self, plan: Plan, reference: Reference) -> tuple[str, list[str]]:
        """Deliver, start a run, kill it as planned, run again; the phase killed in and what went wrong."""
        self.fresh()
        run = Run.start(self.env)
        delay = plan.fraction * reference.durations[plan.phase]
        killed_at = None
        if run.wait_for_mark(plan.phase, RUN_TIMEOUT_S):
            time.sleep(max(0.0, run.marks[plan.phase] + delay - (time.monotonic() - run.started)))
            if run.proc.poll() is None:
                killed_at = run.kill()
        first_code = run.finish()
        where = run.phase_at(killed_at) if killed_at is not None else f"not killed (ended with {first_code})"
        rerun, code = run_to_end(self.env)
        problems = [f"rerun did not complete: {why}" for why in filter(None, [completed(rerun, code)])]
        if not problems:
            problems = (observe(self.settings).differences(reference.outcome)
                        + broken_invariants(self.settings, [p.name for p in self.files]))
        moment = f"{killed_at:.2f} s" if killed_at is not None else "-"
        print(f"trial {plan.trial:2d}: planned {plan.phase} +{delay:.2f} s; killed at {moment} in {where}; "
              f"rerun {'ok' if not problems else 'FAILED'} ({time.monotonic() - rerun.started:.1f} s; "
              f"{self.aftermath(rerun)})")
        return where, [f"trial {plan.trial} (killed in {where} at {moment}): {p}" for p in problems]


    def aftermath(self, rerun: Run) -> str:
        """What the rerun had to mend, and what the kill left that nobody reads (removed once stale)."""
        retaken = re.search(r"(\d+) of them re-taken", "".join(rerun.stdout))
        folders = [self.settings.staging_tmp_dir, *self.settings.publications_dir.glob("*/_incoming")]
        unread = sum(len(list(f.iterdir())) for f in folders if f.is_dir())
        return f"re-took {retaken[1] if retaken else 0} files, {unread} unread leftovers under _incoming"


def uninterrupted(lane: Lane) -> Reference:
    lane.fresh()
    run, code = run_to_end(lane.env)
    assert completed(run, code) is None, completed(run, code)
    outcome = observe(lane.settings)
    assert broken_invariants(lane.settings, [p.name for p in lane.files]) == []
    assert outcome.publication[TABLE][0] == "v0001" and outcome.lake["lake.rwp_ecds"] and outcome.warehouse
    assert outcome.snapshot == outcome.warehouse
    durations = {"ingest": run.marks["build"] - run.marks["ingest"],
                 "build": run.marks["publish"] - run.marks["build"],
                 "publish": run.marks["done"] - run.marks["publish"]}
    print("reference run: " + ", ".join(f"{p} {d:.2f} s" for p, d in durations.items()))
    return Reference(outcome, durations)


def test_killed_at_any_moment_nothing_is_lost_or_doubled(deliveries, tmp_path_factory):
    """GIVEN the result of an uninterrupted `outcomes run` over the delivered files
    WHEN, nine times (CHAOS_TRIALS), the same files are delivered to a fresh working folder, `outcomes run` is
    SIGKILLed at a random moment of ingest, build or publication, and `outcomes run` is started again once
    THEN every time the lake's current rows, the warehouse tables, the analysts' snapshot and the live
    publication equal the uninterrupted run's, and nothing is loaded twice, half-written or left claimed."""
    seed = _seed()
    trials = [int(os.environ["CHAOS_TRIAL"])] if os.environ.get("CHAOS_TRIAL") else range(
        int(os.environ.get("CHAOS_TRIALS", str(TRIALS))))
    print(f"\nchaos seed {seed} (replay: CHAOS_SEED={seed}; one trial: CHAOS_TRIAL=<n>)")

    def lane(name: str) -> Lane:
        settings = replace(get_settings(), work_dir=tmp_path_factory.mktemp(name), identifiable_root=None)
        return Lane(settings, deliveries)

    reference = uninterrupted(lane("chaos_reference"))
    lanes = [lane(f"chaos_lane{i}") for i in range(LANES)]
    plans = [Plan.draw(seed, t) for t in trials]
    with ThreadPoolExecutor(len(lanes)) as pool:  # each lane runs its trials one after another
        done = list(pool.map(lambda i: [lanes[i].trial(p, reference) for p in plans[i::len(lanes)]],
                             range(len(lanes))))
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"{len(plans)} trials; processor time of every run: {used.ru_utime + used.ru_stime:.0f} s")
    hit = [where for results in done for where, _ in results]
    failures = [problem for results in done for _, problems in results for problem in problems]

    assert not failures, f"chaos seed {seed}:\n" + "\n".join(failures)
    if len(plans) >= 2 * len(PHASES):
        for phase in PHASES:
            assert phase in hit, f"chaos seed {seed}: no trial was killed in {phase} ({hit})"
        assert sum(h in PHASES for h in hit) >= len(plans) * 3 // 4, f"chaos seed {seed}: too few kills ({hit})"
