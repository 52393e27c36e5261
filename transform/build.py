"""Run dbt (the only warehouse writer) and refresh the analysts' read-only snapshot afterwards."""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from config import names
from config.settings import Settings, get_settings
from transform.file_copy import copy_file

log = logging.getLogger(__name__)


class BuildFailed(RuntimeError):
    """dbt reported errors or failing tests; the message lists them."""


@dataclass
class BuildResult:
    select: list[str] | None
    models: int = 0
    tests: int = 0
    failures: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0
    warehouse: str = ""
    snapshot: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        return (f"dbt build: {self.models} models and {self.tests} tests passed in {self.elapsed_seconds:.1f}s; "
                f"warehouse {self.warehouse}")


def dbt_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "OUTCOMES_LAKE_DIR": str(settings.lake_dir),
        "OUTCOMES_REFERENCE_DIR": str(settings.reference_dir),
        "OUTCOMES_WAREHOUSE_PATH": str(settings.warehouse_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PARTIAL_PARSE": "true",
        "DBT_USE_COLORS": "false",  # plain lines in task logs and captured output
    })
    # dbt.log at info (a line per node and its result), not dbt's debug default (every query's text: about
    # 0.3 s of a one-feed build, 50,000 lines). The compiled SQL stays in target/; DBT_LOG_LEVEL_FILE=debug wins.
    env.setdefault("DBT_LOG_LEVEL_FILE", "info")
    return env


def dbt_vars(settings: Settings) -> str:
    return json.dumps({"lake_dir": str(settings.lake_dir), "reference_dir": str(settings.reference_dir),
                       "ledger_visible": str(ledger_visible_path(settings)), "as_of": settings.as_of or ""})


def ledger_visible_path(settings: Settings) -> Path:
    return settings.warehouse_path.parent / "ledger_visible.txt"


def freeze_ledger(settings: Settings) -> int:
    """Write the batch ids of the ledger's files as they are now, one a line: the ledger the next dbt run sees
    (the source ``lake.ledger`` reads only these rows). A build freezes it as it starts, so every model sees the
    same deliveries even while ingest goes on committing files; a file committed meanwhile is built next time.
    Returns how many batches are visible."""
    from lake.ledger import committed_batch_ids

    names = committed_batch_ids(settings)
    path = ledger_visible_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".txt.{os.getpid()}.tmp")
    tmp.write_text("\n".join(names), encoding="utf-8")
    os.replace(tmp, path)  # a reader (a lake view queried meanwhile) sees the old list or the new, whole
    return len(names)


def dbt_command(settings: Settings, *args: str) -> list[str]:
    dbt = Path(sys.executable).with_name("dbt")
    return [str(dbt), *args, "--vars", dbt_vars(settings), "--project-dir", str(settings.dbt_project_dir),
            "--profiles-dir", str(settings.dbt_project_dir),
            "--target-path", str(settings.work_dir / "dbt" / "target"),
            "--log-path", str(settings.work_dir / "dbt" / "logs")]


def run_dbt(settings: Settings, *args: str, stream: bool = False,
            on_line: Callable[[str], None] | None = None, in_process: bool = False) -> subprocess.CompletedProcess:
    """Run dbt; its output is captured (``stream``: left on this process's output, for task logs). ``on_line``
    is called with each line of dbt's output as it comes (``outcomes build`` draws its progress bar from the
    per-node lines); the output is captured then too, standard error merged into standard output.
    ``in_process``: run dbt in this process (:func:`invoke_in_process`), its output left on this process's."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    if not ledger_visible_path(settings).exists():  # e.g. dbt's docs or tests before any build
        freeze_ledger(settings)
    if in_process:
        return invoke_in_process(settings, *args)
    cmd = dbt_command(settings, *args)
    log.info("running %s", " ".join(cmd))
    if on_line is None:
        return subprocess.run(cmd, env=dbt_env(settings), cwd=settings.dbt_project_dir, text=True,
                              capture_output=not stream, check=False)
    lines: list[str] = []
    env = {**dbt_env(settings), "PYTHONUNBUFFERED": "1"}  # each line as dbt writes it, not at the end
    with subprocess.Popen(cmd, env=env, cwd=settings.dbt_project_dir, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as proc:
        for line in proc.stdout or []:
            lines.append(line)
            on_line(line.rstrip("\n"))
    return subprocess.CompletedProcess(cmd, proc.returncode, "".join(lines), "")


def invoke_in_process(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    """Run dbt in this process (``dbtRunner``), with the environment and working folder :func:`run_dbt` gives
    its subprocess, both restored afterwards. For a process that runs one build and exits, such as an Airflow
    task: it saves dbt's start-up (about a second importing dbt, more importing pandas and SciPy again for the
    Python models) when the process already has them, as the embedded scheduler's forked workers do
    (``outcomes.airflow_local.launch``). The return code is dbt's: 0 success, 1 failing nodes, 2 an error."""
    from dbt.cli.main import dbtRunner

    cmd = dbt_command(settings, *args)
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.update(dbt_env(settings))
    os.chdir(settings.dbt_project_dir)
    try:
        result = dbtRunner().invoke(cmd[1:])
    finally:
        _release_dbt()
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    code = 0 if result.success else 2 if result.exception is not None else 1
    return subprocess.CompletedProcess(cmd, code, "", "" if result.exception is None else str(result.exception))


def _release_dbt() -> None:
    """After an in-process invocation, release what a dbt process releases by ending. dbt-duckdb keeps the DuckDB
    database open for the process: until it is closed the warehouse stays locked and its last changes sit in the
    write-ahead log, which the snapshot's copy of the file would miss; closing checkpoints them into the file. dbt
    keeps its adapters, whose locks are multiprocessing semaphores: an Airflow task process ends with ``os._exit``,
    and multiprocessing's resource tracker would then log them as leaked, at error level, in the task's log."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.adapters.factory import reset_adapters

    environment = DuckDBConnectionManager._ENV  # dbt-duckdb's one environment per process; no public accessor
    reset_adapters()
    DuckDBConnectionManager.close_all_connections()  # what dbt-duckdb registers to run at exit
    if environment is not None:
        environment.close()
    gc.collect()  # finalise the released locks now, before the process can end without a collection


@dataclass
class Pending:
    """Loaded batches the warehouse has not been built from yet (judged by the ledger, not by events)."""

    feeds: list[str]
    batches: list[str]
    upto: str | None  # the newest loaded batch id seen; becomes the watermark once a build succeeds
    built: bool = True  # has a build of everything succeeded on this warehouse?
    exact: bool = False  # judged by the batches builds saw (BUILT_BATCHES), not by the watermark alone

    def selection(self) -> list[str] | None:
        """What is downstream of the changed sources (``source:raw.<feed>+``); None, i.e. everything, while the
        warehouse has never been built whole (a selection would then miss the reference models its tests read)."""
        if not self.built:
            return None
        return [names.source_selector(feed) for feed in self.feeds] or None


def _state_path(settings: Settings) -> Path:
    return settings.warehouse_path.parent / "build_state.json"


def _state(settings: Settings) -> dict:
    path = _state_path(settings)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def built_upto(settings: Settings) -> str | None:
    return _state(settings).get("built_upto")


def built_whole(settings: Settings) -> bool:
    """True once a build of everything has succeeded on this warehouse (its every model and relation exists) with
    the dbt project as it is now: after a change to the project's code the next build is of everything again, so
    the incremental models (which a selective build changes only in part) are rebuilt whole by the new code."""
    state = _state(settings)
    return (bool(state.get("built_whole")) and settings.warehouse_path.exists()
            and state.get("project_digest") == project_digest(settings))


#: What the warehouse's tables are built from: the dbt project's code, seeds and settings (not its target or logs).
PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds")


def project_digest(settings: Settings) -> str:
    """The SHA-256 of every file of the dbt project that models are built from (PROJECT_PARTS), by path."""
    digest = hashlib.sha256()
    root = settings.dbt_project_dir
    for part in PROJECT_PARTS:
        path = root / part
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


#: The build state's list of every batch a successful build has covered: one it saw in the frozen ledger
#: (:func:`freeze_ledger`) and whose feed it built (all of them for a build of everything).
BUILT_BATCHES = "built_batches"


def pending_changes(settings: Settings | None = None) -> Pending:
    """The loaded batches no successful build has covered. Batch ids sort by the time their ingest started, but
    ingests commit in any order, so a watermark (the newest batch id built) misses a batch that started before a
    build's newest and committed after the build froze the ledger. The build state therefore keeps the batches
    builds covered (:data:`BUILT_BATCHES`, from the first build of everything on); on an older state, without it,
    the watermark is all there is and the transform DAG also builds the feeds of its triggering events."""
    from lake.ledger import read_entries

    settings = settings or get_settings()
    state = _state(settings)
    loaded = sorted((e for e in read_entries(settings) if e["status"] == "loaded"), key=lambda e: e["batch_id"])
    covered = state.get(BUILT_BATCHES)
    if covered is None:
        mark = state.get("built_upto") or ""
        new = [e for e in loaded if e["batch_id"] > mark]
    else:
        covered = set(covered)
        new = [e for e in loaded if e["batch_id"] not in covered]
    return Pending(feeds=sorted({e["feed_id"] for e in new}), batches=[e["batch_id"] for e in new],
                   upto=loaded[-1]["batch_id"] if loaded else None, built=built_whole(settings),
                   exact=covered is not None)


def covered_batches(settings: Settings, select: list[str] | None) -> list[str]:
    """The batches a successful build covered: those in its frozen ledger (:func:`freeze_ledger`), of the feeds
    it built (``source:raw.<feed>+`` selections; every feed for a build of everything; none for other
    selections, which say nothing of the feeds' batches)."""
    from lake.ledger import read_entries

    path = ledger_visible_path(settings)
    visible = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if not select:
        return visible
    feeds = {feed for selector in select if (feed := names.feed_of_source_selector(selector))}
    if not feeds:
        return []
    feed_of = {e["batch_id"]: e["feed_id"] for e in read_entries(settings)}
    return [batch for batch in visible if feed_of.get(batch) in feeds]


def record_built(settings: Settings, upto: str | None, whole: bool = False,
                 batches: list[str] | None = None) -> None:
    """After a successful build: move the watermark forward (never backwards); ``whole``: everything was built,
    by the project's code as it is now (its digest is kept); ``batches``: the batches it covered
    (:func:`covered_batches`), added to the state's :data:`BUILT_BATCHES`. That list starts with a build of
    everything: before one, the batches earlier builds covered are not known."""
    state = _state(settings)
    moved = bool(upto) and (state.get("built_upto") or "") < upto
    built = {"built_whole": True, "project_digest": project_digest(settings)} if whole else {}
    if batches is not None and (whole or BUILT_BATCHES in state):
        built[BUILT_BATCHES] = sorted(set(state.get(BUILT_BATCHES) or []) | set(batches))
    if not moved and all(state.get(k) == v for k, v in built.items()):
        return
    state = {**state, **({"built_upto": upto} if moved else {}), **built}
    path = _state_path(settings)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(state), encoding="utf-8")
    os.replace(tmp, path)


# dbt's unit tests check the models' SQL against fixed inputs: a property of the code, not of the data, so they run in
# the test suite (tests/transform/test_dbt_unit_tests.py, on an empty warehouse) and not at every pipeline build,
# as dbt's documentation recommends; at a build they cost about half the time of a small world's build.
PIPELINE_EXCLUDES = ("--exclude-resource-type", "unit_test")


def build(select: list[str] | None = None, settings: Settings | None = None, stream: bool = False,
          upto: str | None = None, on_line: Callable[[str], None] | None = None,
          in_process: bool = False) -> BuildResult:
    """``dbt build`` (models and their tests), optionally limited to a selection such as
    ``["source:raw.rwp_ecds+"]``. Raises BuildFailed with every failing node named.

    A full build (no selection) covers every batch loaded when it starts; a selective build passes ``upto`` (from
    :func:`pending_changes`) to say which batches it covers. Either way the watermark moves only on success.
    ``on_line`` receives dbt's output line by line as it runs (:func:`run_dbt`); ``in_process`` runs dbt in
    this process (:func:`invoke_in_process`: the Airflow task, whose process ends with the build).
    """
    settings = settings or get_settings()
    if select is None and upto is None:
        upto = pending_changes(settings).upto
    args = ["build", *PIPELINE_EXCLUDES]
    if select:
        args += ["--select", *select, "--indirect-selection", _indirect_selection(settings)]
    else:  # a build of everything rebuilds the incremental models whole too (the superseded keys, the spine)
        args.append("--full-refresh")
    results_path(settings).unlink(missing_ok=True)  # never read an earlier build's results as this one's
    freeze_ledger(settings)
    proc = run_dbt(settings, *args, stream=stream, on_line=on_line, in_process=in_process)
    result = _read_results(settings, select)
    if proc.returncode == 0 and select and not (result.models or result.tests):
        raise BuildFailed(f"the selection {' '.join(select)} matches no model or test, so dbt built nothing "
                          "(for example `source:raw.rwp_ecds+` selects what is downstream of one feed)")
    if proc.returncode != 0:
        detail = "; ".join(result.failures) or (proc.stdout or "")[-2000:] + (proc.stderr or "")[-1000:]
        raise BuildFailed(f"dbt build failed: {detail}")
    refresh_snapshot(settings)
    record_built(settings, upto, whole=not select, batches=covered_batches(settings, select))
    result.snapshot = str(settings.snapshot_path)
    return result


def _indirect_selection(settings: Settings) -> str:
    """Which tests a selection brings in. On a warehouse built whole, every test of a selected model (eager: a
    relationship test also reads a reference model outside the selection, which exists). Before that, only tests
    whose every parent is selected (cautious: a model outside the selection would not exist yet)."""
    return "eager" if built_whole(settings) else "cautious"


def results_path(settings: Settings) -> Path:
    return settings.work_dir / "dbt" / "target" / "run_results.json"


def _read_results(settings: Settings, select: list[str] | None) -> BuildResult:
    path = results_path(settings)
    result = BuildResult(select=select, warehouse=str(settings.warehouse_path))
    if not path.exists():
        return result
    data = json.loads(path.read_text(encoding="utf-8"))
    result.elapsed_seconds = round(data.get("elapsed_time", 0.0), 2)
    for node in data.get("results", []):
        uid, status = node["unique_id"], node["status"]
        if status in ("error", "fail", "runtime error"):
            message = (node.get("message") or "").strip().splitlines()
            result.failures.append(f"{uid} {status}: {message[0] if message else ''}")
        elif uid.startswith("model."):
            result.models += 1
        elif uid.startswith("test.") or uid.startswith("unit_test."):
            result.tests += 1
    return result


def refresh_snapshot(settings: Settings) -> None:
    """Copy the warehouse to a read-only snapshot (atomic rename), so analysts never hold the writer's lock."""
    if not settings.warehouse_path.exists():
        return
    tmp = settings.snapshot_path.with_suffix(".duckdb.tmp")
    copy_file(settings.warehouse_path, tmp)  # direct writes: a tenth of a buffered copy's time here
    os.replace(tmp, settings.snapshot_path)
