"""The whole pipeline on a synthetic year, stage by stage, against its floors and the usual alternative (issue 18).

    python bench/pipeline_bench.py            # full: the year at scale 1, each figure the median of 3 runs
    python bench/pipeline_bench.py --quick    # a few minutes: scale 0.05, one run of each
    python bench/pipeline_bench.py --scale 10 --repeats 1 --stages synth,ingest,run,baseline

Every stage runs as the command a person would type, in a child process (bench.measure: wall, CPU, peak RSS),
on its own work folder under ``--work-dir`` (default ``$OUTCOMES_WORK_DIR/bench/pipeline``):

- synth: ``outcomes synth`` of the year;
- ingest: ``outcomes ingest`` of every delivered file; its floor, DuckDB's ``read_csv`` of the same CSV files
  straight to Parquet (``bench/ingest_bench.py``'s floor);
- build: ``outcomes build`` on a fresh warehouse (the slowest ten models from dbt's run_results.json); its
  floor, the same compiled SQL (``dbt compile``, after the timed builds) run once by hand in one DuckDB
  connection (``bench/build_floor.py``);
- publish: ``outcomes gate`` (the quality gate of every declared table alone, publishing nothing), then
  ``outcomes publish`` (the gate and the publication of every table), then ``outcomes deliver`` (every partner's
  files, as its data-sharing agreement allows: the publication DAG's next task), and ``outcomes deliver`` again
  with nothing new (every partner unchanged: a night when no publication changed);
- report: ``outcomes report`` (the static site of every live publication, as the publication DAG builds it after
  each publication);
- run: ``outcomes run`` of every file on a fresh work folder (ingest, build, gate, publication);
- incremental: one new month of one feed (RWP's ECDS) from the file to publication on the finished run, in its
  own folder (restored from a copy before each repeat), building only what is downstream of the feed
  (``outcomes run FILE --select source:raw.rwp_ecds+``, the transform DAG's selection on a warehouse built whole,
  with every test of those models), with where its wall time goes around the build (bench/run_timeline.py);
- pandas: ``bench/pandas_alternative.py`` (ingest and three headline measures, as many analysts write them),
  against our ingest and build of everything; and its ingest alone (``--ingest-only``: every delivered file read
  as text and written to Parquet) against ours of the same files, the same work in and out;
- baseline (only at a scale other than 1): ``outcomes run`` of the year at scale 1, in the same invocation, so
  that the growth of the whole run with the data is a ratio of the same run (linear growth: run / baseline no
  more than the scale).

``--stages`` runs some of them (build, publish, report and incremental need the stages before them in the same work
folder); at scale 1 a run of some stages writes ``bench/results/pipeline-partial.{json,md}`` and leaves the
results of the last whole run alone. A scale other than 1 (the 10x year) writes
``bench/results/pipeline-<scale>x.{json,md}`` and leaves the 1x results alone.

Every ratio divides two figures measured in this run. The load average is recorded before and after each
scenario: the machine may be shared. Full mode writes ``bench/results.json``, ``bench/results/pipeline.md`` and
the pipeline section of ``bench/results.md``; quick mode writes ``bench/results/pipeline-quick.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import Run, load_average, machine, median_run, run_command  # noqa: E402
from bench.pipeline_report import ratios, write_results  # noqa: E402
from bench.run_timeline import median_phases, run_phases  # noqa: E402

INCREMENT_FEED = "rwp_ecds"
INCREMENT_MONTH = "2026-04"  # the month after the default year (2025-04 .. 2026-03)
# ingest and run exit 1 when a file was refused (the synthetic year has refused files on purpose), publish and run
# when the quality gate refused a table (its log says which): the work is still done and timed
OK_REFUSED = (0, 1)


class Bench:
    def __init__(self, work: Path, scale: float, repeats: int):
        self.work, self.scale, self.repeats = work, scale, repeats
        self.bin = Path(sys.executable).with_name("outcomes")
        self.results: dict[str, dict] = {}
        self.synth_dir = work / "synth"

    def env(self, work_dir: Path) -> dict[str, str]:
        env = dict(os.environ, OUTCOMES_WORK_DIR=str(work_dir), OUTCOMES_ALLOW_TEST_NHS_NUMBERS="1")
        env.setdefault("OUTCOMES_PSEUDONYM_KEY", "bench-only-throwaway-key-0123456789")
        return env

    def outcomes(self, work_dir: Path, *args: str, ok: tuple[int, ...] = (0,), log: str) -> Run:
        work_dir.mkdir(parents=True, exist_ok=True)
        return run_command([str(self.bin), *args], env=self.env(work_dir), cwd=ROOT, ok_codes=ok,
                           log=self.work / "logs" / f"{log}.log")

    def scenario(self, name: str, once, extra: dict | None = None) -> dict:
        """``once(i)`` ``repeats`` times (each returns a Run); the medians and the load around them."""
        print(f"pipeline bench: {name} x{self.repeats} ...", flush=True)
        before = load_average()
        runs = [once(i) for i in range(self.repeats)]
        result = {**median_run(runs), "load_before": before, "load_after": load_average(), **(extra or {})}
        self.results[name] = result
        print(f"  {name}: {result['wall_s']} s wall, {result['cpu_s']} s CPU, {result['peak_rss_mb']} MB",
              flush=True)
        return result

    def delivered_files(self) -> list[Path]:
        return sorted(p for p in self.synth_dir.rglob("*") if p.suffix in (".csv", ".xlsx"))

    # -- the stages -------------------------------------------------------------------------------------------

    def synth(self) -> None:
        def once(i: int) -> Run:
            shutil.rmtree(self.synth_dir, ignore_errors=True)
            return self.outcomes(self.work / "synth_work", "synth", "--out", str(self.synth_dir), "--scale",
                                 str(self.scale), log=f"synth-{i}")
        self.scenario("synth", once)

    def ingest(self) -> None:
        files = self.delivered_files()
        csv_files = self.work / "csv_files.json"
        from bench.ingest_bench import _csv_files

        csv_files.write_text(json.dumps([(f, str(p)) for f, p in _csv_files(self.synth_dir)]))

        def floor(i: int) -> Run:
            shutil.rmtree(self.work / "ingest_floor", ignore_errors=True)
            return run_command([sys.executable, str(ROOT / "bench" / "ingest_bench.py"), "--child", "floor",
                                "--files", str(csv_files), "--target", str(self.work / "ingest_floor")],
                               cwd=ROOT, log=self.work / "logs" / f"ingest-floor-{i}.log")

        def once(i: int) -> Run:
            shutil.rmtree(self.work / "stages", ignore_errors=True)
            return self.outcomes(self.work / "stages", "ingest", *map(str, files), ok=OK_REFUSED,
                                 log=f"ingest-{i}")
        self.scenario("ingest_floor", floor, {"what": "DuckDB read_csv -> Parquet of the CSV files"})
        self.scenario("ingest", once, {"files": len(files)})

    def build(self) -> None:
        stages = self.work / "stages"

        def once(i: int) -> Run:
            shutil.rmtree(stages / "warehouse", ignore_errors=True)
            return self.outcomes(stages, "build", log=f"build-{i}")
        self.scenario("build", once)
        self.results["build"].update(_run_results(stages / "dbt" / "target" / "run_results.json"))
        # the floor runs each model's compiled SQL from a manifest, which a pipeline build does not write
        # (transform.dbt_process.RESULTS_ONLY): dbt compile writes it, after the timed builds
        run_command([sys.executable, "-c", COMPILE], env=self.env(stages), cwd=ROOT,
                    log=self.work / "logs" / "build-compile.log")
        manifest = stages / "dbt" / "target" / "manifest.json"

        def floor(i: int) -> Run:
            return run_command([sys.executable, str(ROOT / "bench" / "build_floor.py"), str(manifest),
                                str(self.work / "build_floor")], cwd=ROOT, log=self.work / "logs" / f"floor-{i}.log")
        self.scenario("build_floor", floor, {"what": "every model's compiled SQL in one DuckDB connection"})

    def publish(self) -> None:
        stages = self.work / "stages"

        def gate(i: int) -> Run:
            return self.outcomes(stages, "gate", ok=OK_REFUSED, log=f"gate-{i}")

        def once(i: int) -> Run:
            shutil.rmtree(stages / "publications", ignore_errors=True)
            return self.outcomes(stages, "publish", ok=OK_REFUSED, log=f"publish-{i}")
        def deliver(i: int) -> Run:
            shutil.rmtree(stages / "deliveries", ignore_errors=True)
            return self.outcomes(stages, "deliver", ok=OK_REFUSED, log=f"deliver-{i}")

        def deliver_again(i: int) -> Run:  # on the last delivery: every partner's allowed rows are the same
            return self.outcomes(stages, "deliver", ok=OK_REFUSED, log=f"deliver-again-{i}")
        self.scenario("gate", gate, {"what": "quality gate of every declared table, nothing published"})
        self.scenario("publish", once, {"what": "quality gate and publication of every declared table"})
        self.scenario("deliver", deliver, {"what": "every partner's delivery of the live publications"})
        self.scenario("deliver_unchanged", deliver_again,
                      {"what": "every partner's delivery again with nothing new (each one unchanged)"})

    def report(self) -> None:
        stages = self.work / "stages"

        def once(i: int) -> Run:
            return self.outcomes(stages, "report", log=f"report-{i}")
        self.scenario("report", once, {"what": "the outcomes report (static site) of the live publications"})

    def whole_run(self) -> None:
        files = [str(p) for p in self.delivered_files()]

        def once(i: int) -> Run:
            shutil.rmtree(self.work / "run", ignore_errors=True)
            return self.outcomes(self.work / "run", "run", "--no-landing", *files, ok=OK_REFUSED, log=f"run-{i}")
        self.scenario("run", once)

    def incremental(self) -> None:
        new = self.work / "increment"
        shutil.rmtree(new, ignore_errors=True)
        self.outcomes(self.work / "synth_work", "synth", "--out", str(new), "--scale", str(self.scale), "--feed",
                      INCREMENT_FEED, "--start", INCREMENT_MONTH, "--months", "1", "--clean", log="increment-synth")
        (file,) = sorted(p for p in new.rglob("*.csv"))
        select = f"source:raw.{INCREMENT_FEED}+"

        # each repeat starts from the finished run, in the folder it was built in: a nightly work folder stays where
        # it is, and dbt parses the project anew when its paths (dbt vars) change (4 s against 1 s)
        built, kept = self.work / "run", self.work / "run_before_increment"
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(built, kept)

        phases: list[dict] = []

        def once(i: int) -> Run:
            shutil.rmtree(built, ignore_errors=True)
            shutil.copytree(kept, built)
            started = time.time()
            run = self.outcomes(built, "run", "--no-landing", str(file), "--select", select, ok=OK_REFUSED,
                                log=f"increment-{i}")
            phases.append(run_phases(built / "dbt" / "target" / "run_results.json", started, time.time()))
            return run
        result = self.scenario("incremental", once, {"file": file.name, "select": select,
                                                     "work": "the run's own folder"})
        result["phases"] = median_phases(phases)
        shutil.rmtree(kept, ignore_errors=True)

    def pandas(self) -> None:
        def script(name: str, *args: str):
            def once(i: int) -> Run:
                out = self.work / name
                shutil.rmtree(out, ignore_errors=True)
                return run_command([sys.executable, str(ROOT / "bench" / "pandas_alternative.py"),
                                    str(self.synth_dir), str(out), *args], cwd=ROOT,
                                   log=self.work / "logs" / f"{name}-{i}.log")
            return once
        self.scenario("pandas_ingest", script("pandas_ingest", "--ingest-only"),
                      {"what": "pandas: every delivered file read whole as text and written to Parquet (the same "
                               "files as our ingest)"})
        self.scenario("pandas", script("pandas"),
                      {"what": "pandas: every file read whole, ingest + three headline measures"})

    def baseline(self) -> None:
        synth = self.work / "synth-1x"
        if not any(synth.rglob("*.csv")):
            shutil.rmtree(synth, ignore_errors=True)
            self.outcomes(self.work / "synth_work", "synth", "--out", str(synth), "--scale", "1", log="baseline-synth")
        files = sorted(str(p) for p in synth.rglob("*") if p.suffix in (".csv", ".xlsx"))

        def once(i: int) -> Run:
            shutil.rmtree(self.work / "run-1x", ignore_errors=True)
            return self.outcomes(self.work / "run-1x", "run", "--no-landing", *files, ok=OK_REFUSED,
                                 log=f"baseline-run-{i}")
        self.scenario("baseline", once, {"what": "outcomes run of the year at scale 1", "scale": 1.0})
        shutil.rmtree(self.work / "run-1x", ignore_errors=True)


# dbt compile of the work folder's project and lake, as the pipeline runs dbt (transform.build.run_dbt)
COMPILE = ("import sys; from config.settings import get_settings; from transform.build import run_dbt; "
           "sys.exit(run_dbt(get_settings(), 'compile', stream=True).returncode)")
STAGES = ("synth", "ingest", "build", "publish", "report", "run", "incremental", "pandas", "baseline")


def _run_results(path: Path) -> dict:
    """Counts and the slowest ten models of the last ``dbt build`` (its own timings, seconds)."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    models = [r for r in data["results"] if r["unique_id"].startswith("model.")]
    tests = [r for r in data["results"] if r["unique_id"].split(".")[0] in ("test", "unit_test")]
    slowest = sorted(models, key=lambda r: -r["execution_time"])[:10]
    return {"dbt_elapsed_s": round(data.get("elapsed_time", 0.0), 1), "models": len(models), "tests": len(tests),
            "models_s": round(sum(r["execution_time"] for r in models), 1),
            "tests_s": round(sum(r["execution_time"] for r in tests), 1),
            "slowest_models": [{"model": r["unique_id"].split(".")[-1], "seconds": round(r["execution_time"], 1)}
                               for r in slowest]}


def result_mode(quick: bool, scale: float, stages: list[str]) -> str:
    """Where the results go (bench.pipeline_report.write_results): ``full`` (bench/results.json and the pipeline
    section of bench/results.md) only for every stage of the year at scale 1, so that a run of a few stages never
    replaces the figures of a whole one: it is ``partial``; ``quick``; or the scale (``10x``)."""
    if quick:
        return "quick"
    if scale != 1.0:
        return f"{scale:g}x"
    return "full" if set(STAGES) - {"baseline"} <= set(stages) else "partial"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="scale 0.05, one run of each: a few minutes")
    parser.add_argument("--scale", type=float, help="synthetic scale (default 1, or 0.05 with --quick)")
    parser.add_argument("--repeats", type=int, help="runs of each scenario (default 3, or 1 with --quick)")
    parser.add_argument("--work-dir", type=Path)
    parser.add_argument("--stages", default=None,
                        help=f"comma-separated, from {','.join(STAGES)} (default: all; baseline only at a scale "
                             "other than 1)")
    args = parser.parse_args(argv)
    scale = args.scale or (0.05 if args.quick else 1.0)
    stages = args.stages.split(",") if args.stages else [s for s in STAGES if s != "baseline" or scale != 1.0]
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        parser.error(f"unknown stage(s) {unknown}: choose from {', '.join(STAGES)}")
    repeats = args.repeats or (1 if args.quick else 3)
    work = args.work_dir or Path(os.environ.get("OUTCOMES_WORK_DIR", ROOT / ".work")) / "bench" / "pipeline"
    (work / "logs").mkdir(parents=True, exist_ok=True)
    bench = Bench(work, scale, repeats)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for stage in STAGES:
        if stage in stages:
            getattr(bench, "whole_run" if stage == "run" else stage)()
    mode = result_mode(args.quick, scale, stages)
    result = {"mode": mode, "scale": scale, "repeats": repeats, "started": started, "stages": stages,
              "machine": machine(), "scenarios": bench.results, "ratios": ratios(bench.results, scale)}
    write_results(result, ROOT / "bench")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
