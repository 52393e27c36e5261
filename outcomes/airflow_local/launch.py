"""Run one Airflow component (``python -m outcomes.airflow_local.launch scheduler``) with its log server bound
to loopback.

The scheduler and the triggerer each start a log server (Airflow's ``serve_logs``) that listens on every
interface, with no setting to change it. The embedded default is for one machine, so this launcher binds it to
``OUTCOMES_AIRFLOW_LOG_HOST`` (default ``127.0.0.1``) before handing over to Airflow's own command line; the log
server runs in a forked child and keeps the binding.

On SQLite (the embedded default's metadata database) ``now()`` is given milliseconds
(:func:`sqlite_now_with_milliseconds`): with whole seconds the scheduler held each new run back until the next second.

In every component, Airflow's supervisors of child processes (tasks', the triggerer's runner) notice a child's exit
as soon as it has exited (:func:`supervisors_notice_exits_promptly`), instead of sleeping out a timeout of up to 10 s.

The scheduler and the dag-processor stop on the first SIGTERM or SIGINT even when Python drops the exit Airflow's
handler raises (:func:`stops_on_the_first_signal`): signalled while it forked its LocalExecutor workers, the
scheduler used to run on until it was killed.

Once Airflow's command has returned, the component ends as the pipeline's short-lived processes do
(``config.short_lived.end``): its threads waited for, its exit handlers run and its output flushed, then
``os._exit`` with Airflow's exit code, without the interpreter freeing every object one by one (the api-server took
1.5 s to do so after its server had finished, at every stop).

The scheduler also imports the heavy libraries the tasks use (Great Expectations, pandas, SciPy, DuckDB, Arrow,
Polars, dbt and its DuckDB adapter) before Airflow starts its LocalExecutor workers. On Linux every task process is
forked from a worker, so it starts with them loaded: about 2 s less per publish task, about 1 s less per build (it
runs dbt inside the task's process, ``transform.build.invoke_in_process``), and less for the others
(bench/results.md, "eighth round" and "ninth round"). Only installed libraries are loaded this way, never the
project's own modules, so a changed task module still takes effect in the next task without restarting the
scheduler. ``OUTCOMES_AIRFLOW_PRELOAD=0`` turns it off.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import types

LOG_HOST_ENV = "OUTCOMES_AIRFLOW_LOG_HOST"
PRELOAD_ENV = "OUTCOMES_AIRFLOW_PRELOAD"
# third-party only: a project module loaded here would stay at the scheduler's start-up version in every task
TASK_LIBRARIES = ("great_expectations", "pandas", "scipy.stats", "duckdb", "pyarrow.parquet", "polars",
                  "dbt.cli.main", "dbt.adapters.duckdb")


def bind_log_server(host: str) -> None:
    """Make Airflow's ``serve_logs`` listen on ``host`` instead of every interface."""
    import airflow.utils.serve_logs.core as serve_logs_core

    uvicorn = serve_logs_core.uvicorn
    serve_logs_core.uvicorn = types.SimpleNamespace(
        run=lambda app, **kwargs: uvicorn.run(app, **{**kwargs, "host": host}))


def preload_task_libraries(component: str, environ=os.environ) -> list[str]:
    """In the scheduler (whose LocalExecutor workers fork the task processes), import the libraries the tasks use;
    returns what was imported. Nothing in the other components, or with ``OUTCOMES_AIRFLOW_PRELOAD=0``."""
    if component != "scheduler" or environ.get(PRELOAD_ENV, "1").strip().lower() in ("0", "false", "no", "off"):
        return []
    for module in TASK_LIBRARIES:
        importlib.import_module(module)
    return list(TASK_LIBRARIES)


#: SQLite's ``now()`` with milliseconds, in the text form Airflow stores its times in (``2026-12-04 12:20:59.460``)
SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def sqlite_now_with_milliseconds() -> None:
    """Compile SQLAlchemy's ``func.now()`` on SQLite to :data:`SQLITE_NOW` instead of ``CURRENT_TIMESTAMP``,
    which has whole seconds. The scheduler starts a queued run once ``run_after <= now()``; compared with a
    ``run_after`` such as ``12:20:59.259``, a whole-second ``now()`` of ``12:20:59`` holds every run back until the
    next second: half a second a run on average, three runs (ingest, transform, publish) for each file. Other
    databases' ``now()`` already has fractions; this changes SQLite's only."""
    from sqlalchemy.ext.compiler import compiles
    from sqlalchemy.sql import functions

    @compiles(functions.now, "sqlite")
    def _now(element, compiler, **kw):  # noqa: ARG001 - SQLAlchemy's compiler hook signature
        return SQLITE_NOW


#: How long the triggerer's runner waits between passing its triggers' events on (Airflow's own loop: 1 s)
TRIGGER_LOOP_SECONDS = 0.2


def quicker_trigger_loop(component: str, seconds: float = TRIGGER_LOOP_SECONDS) -> bool:
    """In the triggerer, cap the wait of its runner's loop (``anyio.move_on_after(1)`` in Airflow's
    ``TriggerRunner.arun``) at ``seconds``. The runner hands the events its triggers fired (a file's ready marker
    seen by an asset watcher) to the triggerer once a loop, so with Airflow's 1 s an event waited half a second on
    average before any run could be created. Returns whether the cap is in place (not in other components, nor if
    Airflow's module no longer uses ``anyio`` so)."""
    if component != "triggerer":
        return False
    import airflow.jobs.triggerer_job_runner as runner
    import anyio

    if getattr(runner, "anyio", None) is not anyio:
        return False
    capped = types.SimpleNamespace(**{name: getattr(anyio, name) for name in dir(anyio) if not name.startswith("_")})
    capped.move_on_after = lambda delay, *args, **kwargs: anyio.move_on_after(min(delay, seconds), *args, **kwargs)
    runner.anyio = capped
    return True


def supervisors_notice_exits_promptly(poll_seconds: float = 0.05) -> None:
    """Have Airflow's supervisors notice their child process's exit as soon as it happens.

    A supervisor (``WatchedSubprocess``: each task's, forked from the scheduler's LocalExecutor workers, and the
    triggerer's, over its trigger runner) waits for its child in ``_service_subprocess``: a ``select`` on the
    child's sockets, then a check for its exit. The child closes its sockets a moment before it has exited. When the
    check comes in that moment, the next wait is a ``select`` on no socket at all, which sleeps out its whole time:
    up to 5 s for a task (``[workers] min_heartbeat_interval``, between heartbeats), which then ended 5 s after it
    had finished, and 10 s for the triggerer's runner at a stop (its escalation delay), so that every stop of the
    triggerer took 11 s. With no socket left to service, this polls for the exit every ``poll_seconds`` instead, for
    the same time at most; with sockets open, Airflow's own wait runs as before."""
    from airflow.sdk.execution_time.supervisor import WatchedSubprocess

    servicing = WatchedSubprocess._service_subprocess
    if getattr(servicing, "polls_without_sockets", False):
        return

    def service(self, max_wait_time: float, raise_on_timeout: bool = False, expect_signal: int | None = None):
        if self.selector.get_map():  # sockets to service: Airflow's own wait
            return servicing(self, max_wait_time, raise_on_timeout=raise_on_timeout, expect_signal=expect_signal)
        deadline = time.monotonic() + max_wait_time
        while time.monotonic() < deadline and self._check_subprocess_exit(expect_signal=expect_signal) is None:
            time.sleep(poll_seconds)
        # the exit code once it is known (kept by Airflow), else its answer at the deadline
        return self._check_subprocess_exit(raise_on_timeout=raise_on_timeout, expect_signal=expect_signal)

    service.polls_without_sockets = True
    WatchedSubprocess._service_subprocess = service


#: Per component: the class whose signal handler stops it, and the method its main loop calls first in each pass
STOPPED_BY_SIGNAL = {
    "scheduler": ("airflow.jobs.scheduler_job_runner", "SchedulerJobRunner", "_do_scheduling"),
    "dag-processor": ("airflow.dag_processing.manager", "DagFileProcessorManager", "_kill_timed_out_processors"),
}


#: The stop signal each runner's handler received (by the runner's ``id``): at most one runner in a process
KEPT_SIGNALS: dict[int, int] = {}


def stops_on_the_first_signal(component: str) -> bool:
    """Have the scheduler and the dag-processor stop on a SIGTERM or SIGINT whose exit Python dropped.

    Their Airflow handlers (``_exit_gracefully``) stop them by raising ``SystemExit`` from wherever the main thread
    is. When the signal lands while a function called back from C is running, such as the ``os.fork`` callbacks
    (logging's ``_releaseLock`` after each fork), Python prints "Exception ignored in" and the exit is lost: the
    component runs on as if never signalled, until a stop's deadline kills it with its tasks (30 s later for
    ``make up``). The scheduler forks its LocalExecutor workers at start-up, so a stop right after ``make up`` hit
    this two times in eight; the dag-processor forks a process for each file it parses. This keeps the signal as
    the handler runs and raises the exit again at the start of the main loop's next pass, within a second.
    Returns whether it is in place (not in the other components, whose handlers raise nothing)."""
    if component not in STOPPED_BY_SIGNAL:
        return False
    module_name, class_name, loop_step = STOPPED_BY_SIGNAL[component]
    module = importlib.import_module(module_name)
    stopped = getattr(module, class_name)
    exit_gracefully, step = stopped._exit_gracefully, getattr(stopped, loop_step)
    if getattr(exit_gracefully, "keeps_the_signal", False):
        return True

    def keep_and_exit(self, signum, frame):
        KEPT_SIGNALS[id(self)] = signum  # beside the object: Airflow's classes may have slots
        return exit_gracefully(self, signum, frame)

    def exit_if_signalled(self, *args, **kwargs):
        signum = KEPT_SIGNALS.get(id(self))  # only the component's own process runs its main loop
        if signum is not None:
            self.log.warning("Exiting upon signal %s: its exit was dropped while it was being handled", signum)
            sys.exit(os.EX_OK)
        return step(self, *args, **kwargs)

    keep_and_exit.keeps_the_signal = True
    stopped._exit_gracefully = keep_and_exit
    setattr(stopped, loop_step, exit_if_signalled)
    return True


def main() -> None:
    component = sys.argv[1] if len(sys.argv) > 1 else ""
    bind_log_server(os.environ.get(LOG_HOST_ENV, "127.0.0.1"))
    sqlite_now_with_milliseconds()
    quicker_trigger_loop(component)
    supervisors_notice_exits_promptly()
    stops_on_the_first_signal(component)
    preload_task_libraries(component)
    from airflow.__main__ import main as airflow_main

    sys.argv = ["airflow", *sys.argv[1:]]
    try:
        airflow_main()
    except SystemExit as stop:
        ending = stop
    else:
        ending = SystemExit(0)
    # imported only now: a project module loaded before the workers fork would stay that version in every task
    from config import short_lived

    short_lived.end(short_lived.exit_code(ending))


if __name__ == "__main__":
    main()
