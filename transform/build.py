"""Run dbt (the only warehouse writer) and refresh the analysts' read-only snapshot afterwards."""

from __future__ import annotations

import gc
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from config.settings import Settings, get_settings
from transform import dbt_process
from transform.build_state import (
    built_whole,
    covered_batches,
    freeze_ledger,
    ledger_visible_path,
    pending_changes,
    record_built,
)
from transform.file_copy import copy_file
from transform.warehouse_file import WarehouseUnreadable, ensure_warehouse

if TYPE_CHECKING:
    from transform.dbt_ahead import DbtAhead

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


def dbt_command(settings: Settings, *args: str) -> list[str]:
    dbt = Path(sys.executable).with_name("dbt")
    return [str(dbt), *args, "--vars", dbt_vars(settings), "--project-dir", str(settings.dbt_project_dir),
            "--profiles-dir", str(settings.dbt_project_dir),
            "--target-path", str(target_dir(settings)),
            "--log-path", str(settings.work_dir / "dbt" / "logs")]


def process_command(cmd: list[str]) -> list[str]:
    """The dbt command ``cmd`` (from :func:`dbt_command`) run as transform.dbt_process: dbt, ended quicker."""
    return [sys.executable, "-m", "transform.dbt_process", *cmd[1:]]


def run_dbt(settings: Settings, *args: str, stream: bool = False, on_line: Callable[[str], None] | None = None,
            in_process: bool = False, ahead: DbtAhead | None = None) -> subprocess.CompletedProcess:
    """Run dbt; its output is captured (``stream``: left on this process's output, for task logs). ``on_line``
    is called with each line of dbt's output as it comes (``outcomes build`` draws its progress bar from the
    per-node lines); the output is captured then too, standard error merged into standard output.
    ``in_process``: run dbt in this process (:func:`invoke_in_process`), its output left on this process's.
    ``ahead``: run it in that dbt process, started before (transform.dbt_ahead), instead of a new one."""
    try:  # created whole here, never half by a dbt process killed meanwhile
        ensure_warehouse(settings.warehouse_path)
    except WarehouseUnreadable as exc:
        raise BuildFailed(str(exc)) from exc
    if not ledger_visible_path(settings).exists():  # e.g. dbt's docs or tests before any build
        freeze_ledger(settings)
    if in_process:
        return invoke_in_process(settings, *args)
    cmd = dbt_command(settings, *args)
    log.info("running %s", " ".join(cmd))
    if ahead is not None:
        return ahead.run(cmd, stream=stream, on_line=on_line)
    cmd = process_command(cmd)
    if on_line is None:
        return subprocess.run(cmd, env=dbt_env(settings), cwd=settings.dbt_project_dir, text=True,
                              capture_output=not stream, check=False)
    with subprocess.Popen(cmd, env=dbt_line_env(settings), cwd=settings.dbt_project_dir, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as proc:
        return read_lines(proc, on_line=on_line)


def dbt_line_env(settings: Settings) -> dict[str, str]:
    """dbt's environment (:func:`dbt_env`) for a dbt process whose output is read line by line as it comes: each
    line written as dbt writes it, not at the end."""
    return {**dbt_env(settings), "PYTHONUNBUFFERED": "1"}


def read_lines(proc: subprocess.Popen, on_line: Callable[[str], None] | None = None,
               stream: bool = False) -> subprocess.CompletedProcess:
    """Read a dbt process's output (standard error merged into it) to its end and wait for the process. Each line
    goes to ``on_line`` and is captured; without ``on_line`` it is written on to this process's output
    (``stream``) or captured."""
    lines: list[str] = []
    for line in proc.stdout or []:
        if on_line is not None:
            on_line(line.rstrip("\n"))
        if stream and on_line is None:
            sys.stdout.write(line)
        else:
            lines.append(line)
    return subprocess.CompletedProcess(proc.args, proc.wait(), "".join(lines), "")


def invoke_in_process(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    """Run dbt in this process (``dbtRunner``), with the environment and working folder :func:`run_dbt` gives
    its subprocess, both restored afterwards. For a process that runs one build and exits, such as an Airflow
    task: it saves dbt's start-up (about a second importing dbt, more importing pandas and SciPy again for the
    Python models) when the process already has them, as the embedded scheduler's forked workers do
    (``outcomes.airflow_local.launch``). The return code is dbt's: 0 success, 1 failing nodes, 2 an error."""
    cmd = dbt_command(settings, *args)
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.update(dbt_env(settings))
    os.chdir(settings.dbt_project_dir)
    try:
        result = dbt_process.invoke(cmd[1:])
    finally:
        _release_dbt()
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(cmd, dbt_process.exit_code(result), "",
                                       "" if result.exception is None else str(result.exception))


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


# dbt's unit tests check the models' SQL against fixed inputs: a property of the code, not of the data, so they run in
# the test suite (tests/transform/test_dbt_unit_tests.py, on an empty warehouse) and not at every pipeline build,
# as dbt's documentation recommends; at a build they cost about half the time of a small world's build.
PIPELINE_EXCLUDES = ("--exclude-resource-type", "unit_test")


def build(select: list[str] | None = None, settings: Settings | None = None, stream: bool = False,
          upto: str | None = None, on_line: Callable[[str], None] | None = None,
          in_process: bool = False, ahead: DbtAhead | None = None, snapshot: bool = True) -> BuildResult:
    """``dbt build`` (models and their tests), optionally limited to a selection such as
    ``["source:raw.rwp_ecds+"]``. Raises BuildFailed with every failing node named.

    A full build (no selection) covers every batch loaded when it starts; a selective build passes ``upto`` (from
    :func:`pending_changes`) to say which batches it covers. Either way the watermark moves only on success.
    ``on_line`` receives dbt's output line by line as it runs (:func:`run_dbt`); ``in_process`` runs dbt in
    this process (:func:`invoke_in_process`: the Airflow task, whose process ends with the build); ``ahead`` in a
    dbt process started before the build was known, which has parsed the project meanwhile (transform.dbt_ahead).
    ``snapshot=False`` leaves the analysts' snapshot to the caller, who must call :func:`refresh_snapshot` before
    anything writes the warehouse again (``outcomes run`` copies it while it publishes, which only reads).
    """
    settings = settings or get_settings()
    if select is None and upto is None:
        upto = pending_changes(settings).upto
    # of dbt's artifacts, only the run results, which _read_results reads (transform.dbt_process.RESULTS_ONLY)
    args = ["build", *PIPELINE_EXCLUDES, dbt_process.RESULTS_ONLY]
    if select:
        args += ["--select", *select, "--indirect-selection", _indirect_selection(settings)]
    else:  # a build of everything rebuilds the incremental models whole too (the superseded keys, the spine)
        args.append("--full-refresh")
    results_path(settings).unlink(missing_ok=True)  # never read an earlier build's results as this one's
    freeze_ledger(settings)
    proc = run_dbt(settings, *args, stream=stream, on_line=on_line, in_process=in_process, ahead=ahead)
    result = _read_results(settings, select)
    if proc.returncode == 0 and select and not (result.models or result.tests):
        raise BuildFailed(f"the selection {' '.join(select)} matches no model or test, so dbt built nothing "
                          "(for example `source:raw.rwp_ecds+` selects what is downstream of one feed)")
    if proc.returncode != 0:
        detail = "; ".join(result.failures) or (proc.stdout or "")[-2000:] + (proc.stderr or "")[-1000:]
        raise BuildFailed(f"dbt build failed: {detail}")
    if snapshot:
        refresh_snapshot(settings)
    record_built(settings, upto, whole=not select, batches=covered_batches(settings, select))
    result.snapshot = str(settings.snapshot_path)
    return result


def build_unless_current(settings: Settings | None = None, stream: bool = False,
                         on_line: Callable[[str], None] | None = None) -> BuildResult | None:
    """Build everything unless the warehouse has been built whole by the dbt project's code as it is now
    (:func:`transform.build_state.built_whole`); None when it has, and nothing was built.

    For a deployment's start (``airflow-init``, ``outcomes.airflow_local.init``): a new warehouse, or one whose
    code changed, is otherwise built whole by the first transform run after it, on the way from a partner's file
    to its publication; built at the start, that run builds only what is downstream of the file's feed."""
    settings = settings or get_settings()
    if built_whole(settings):
        return None
    return build(settings=settings, stream=stream, on_line=on_line)


def _indirect_selection(settings: Settings) -> str:
    """Which tests a selection brings in. On a warehouse built whole, every test of a selected model (eager: a
    relationship test also reads a reference model outside the selection, which exists). Before that, only tests
    whose every parent is selected (cautious: a model outside the selection would not exist yet)."""
    return "eager" if built_whole(settings) else "cautious"


def target_dir(settings: Settings) -> Path:
    """dbt's target folder (``--target-path``): its saved parse, the compiled SQL and the run results."""
    return settings.work_dir / "dbt" / "target"


def results_path(settings: Settings) -> Path:
    return target_dir(settings) / dbt_process.RUN_RESULTS


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
