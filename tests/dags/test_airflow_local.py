"""The embedded default's configuration and the partner-style file drop (no Airflow processes started here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from outcomes import airflow_local


def test_airflow_env_points_everything_at_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTCOMES_WORK_DIR", str(tmp_path))
    monkeypatch.delenv("OUTCOMES_IDENTIFIABLE_DIR", raising=False)
    monkeypatch.setenv("OUTCOMES_ARCHIVE_RETENTION_DAYS", "9")
    from config.settings import get_settings

    settings = get_settings()
    env = airflow_local.airflow_env(settings, port=8799)
    assert env["AIRFLOW_HOME"] == str(tmp_path / "airflow")
    assert env["OUTCOMES_IDENTIFIABLE_DIR"] == str(tmp_path / "identifiable")
    assert env["OUTCOMES_ARCHIVE_RETENTION_DAYS"] == "9"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{tmp_path / 'airflow' / 'airflow.db'}"
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(settings.project_root / "dags")
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "False"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8799/execution/"
    assert env["PATH"].split(os.pathsep)[0] == str(Path(os.sys.executable).parent)
    assert {env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"], env["AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT"]} == {
        "8800",
        "8801",
    }


def test_eight_task_processes_at_once_four_per_dag_unless_the_engineer_says_otherwise(tmp_path, monkeypatch):
    """GIVEN no Airflow parallelism set THEN the embedded default runs eight task processes at once, four per DAG;
    GIVEN AIRFLOW__CORE__PARALLELISM in the environment THEN that is what Airflow gets."""
    monkeypatch.setenv("OUTCOMES_WORK_DIR", str(tmp_path))
    monkeypatch.delenv("AIRFLOW__CORE__PARALLELISM", raising=False)
    from config.settings import get_settings

    env = airflow_local.airflow_env(get_settings(), port=8799)
    assert (env["AIRFLOW__CORE__PARALLELISM"], env["AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG"]) == ("8", "4")
    monkeypatch.setenv("AIRFLOW__CORE__PARALLELISM", "3")
    assert airflow_local.airflow_env(get_settings(), port=8799)["AIRFLOW__CORE__PARALLELISM"] == "3"


def test_drop_files_renames_into_place_then_writes_the_marker(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "RWP_ECDS_202501.csv").write_text("a,b\n1,2\n")
    (src / "RWP_ECDS_202501.csv.manifest.json").write_text('{"row_count": 1}')
    landing = tmp_path / "landing" / "RWP" / "ecds"
    delivered = airflow_local.drop_files([src / "RWP_ECDS_202501.csv"], landing)
    assert delivered == [landing / "RWP_ECDS_202501.csv"]
    assert sorted(p.name for p in landing.iterdir()) == [
        "RWP_ECDS_202501.csv",
        "RWP_ECDS_202501.csv.manifest.json",
        "_READY",
    ]  # no temporary names left
    assert (landing / "RWP_ECDS_202501.csv").read_text() == "a,b\n1,2\n"
    marker, data = (landing / "_READY").stat(), (landing / "RWP_ECDS_202501.csv").stat()
    assert marker.st_mtime_ns >= data.st_mtime_ns


def test_wait_for_is_bounded_and_names_what_it_waited_for():
    import pytest

    with pytest.raises(TimeoutError, match="the moon"):
        airflow_local.wait_for(lambda: None, timeout=0.3, what="the moon", interval=0.1)
    assert airflow_local.wait_for(lambda: 42, timeout=1, what="x") == 42


def test_only_the_scheduler_preloads_the_tasks_libraries_and_it_can_be_turned_off():
    """The LocalExecutor forks task processes from the scheduler's workers, so the scheduler imports the heavy
    libraries once; never a project module (changed task code must take effect without a restart)."""
    import subprocess
    import sys

    from outcomes.airflow_local import launch

    assert launch.preload_task_libraries("triggerer", {}) == []
    assert launch.preload_task_libraries("scheduler", {launch.PRELOAD_ENV: "0"}) == []
    project = {p.name for p in Path(launch.__file__).resolve().parents[2].iterdir() if p.is_dir()}
    assert not {m.split(".")[0] for m in launch.TASK_LIBRARIES} & project
    # in a fresh interpreter: the scheduler's call really loads them
    code = ("import sys; from outcomes.airflow_local.launch import preload_task_libraries as p; "
            "done = p('scheduler', {}); print(all(m in sys.modules for m in done) and len(done))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == str(len(launch.TASK_LIBRARIES))


SQLITE_NOW_CHECK = """
import time
from datetime import UTC, datetime, timedelta
import sqlalchemy as sa
from outcomes.airflow_local.launch import sqlite_now_with_milliseconds

def ready():  # is a run_after 0.2 s ago, within this second, due by SQLite's now()?
    with sa.create_engine("sqlite://").connect() as con:
        while True:  # asked again if the clock crossed a second meanwhile (a busy machine): that answer is moot
            while datetime.now(UTC).microsecond < 400_000:
                time.sleep(0.05)
            start = datetime.now(UTC)
            run_after = (start - timedelta(seconds=0.2)).strftime("%Y-%m-%d %H:%M:%S.%f")
            due = con.execute(sa.select(sa.literal(run_after) <= sa.func.now())).scalar()
            if datetime.now(UTC).replace(microsecond=0) == start.replace(microsecond=0):
                return due

before = ready()
sqlite_now_with_milliseconds()
print(before, ready())
"""


def test_sqlite_now_has_milliseconds_so_a_queued_run_starts_within_its_second():
    """Airflow starts a queued run once ``run_after <= now()``; SQLite's CURRENT_TIMESTAMP has whole seconds, so a
    run queued at 12:20:59.259 waited for 12:21:00. In a fresh interpreter (the compiler hook is global): a time
    0.2 s ago in the same second is not yet due by SQLite's own now(), and is due once the launcher's hook is in."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", SQLITE_NOW_CHECK], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"], out.stderr


TRIGGER_LOOP_CHECK = """
import anyio
import airflow.jobs.triggerer_job_runner as runner
from outcomes.airflow_local.launch import quicker_trigger_loop

async def one_wait():  # Airflow's runner loop: with anyio.move_on_after(1): await stop_event.wait()
    start = anyio.current_time()
    with runner.anyio.move_on_after(1):
        await anyio.Event().wait()
    return anyio.current_time() - start

print(quicker_trigger_loop("scheduler"), round(anyio.run(one_wait), 1))
print(quicker_trigger_loop("triggerer"), round(anyio.run(one_wait), 1), runner.anyio.Event is anyio.Event)
"""


def test_the_triggerers_loop_passes_events_on_every_fifth_of_a_second():
    """The triggerer's runner hands its triggers' events (a ready marker seen) on once a loop; Airflow waits 1 s
    between loops. In the triggerer only, the launcher caps that wait at 0.2 s and leaves the rest of anyio as it
    is. In a fresh interpreter (the cap replaces a module attribute of Airflow's)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", TRIGGER_LOOP_CHECK], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "1.0", "True", "0.2", "True"], out.stderr


TRIGGERER_STOP_CHECK = '''
import selectors, signal, socket, subprocess, sys, time, uuid

import psutil
import structlog
from airflow.jobs.triggerer_job_runner import TriggerRunnerSupervisor
from airflow.sdk.execution_time.supervisor import PsutilTracker

from outcomes.airflow_local.launch import supervisors_notice_exits_promptly

RUNNER = """
import signal, socket, sys, time
sock = socket.socket(fileno=int(sys.argv[1]))
def end(*_):  # as the trigger runner ends: its socket closes, and the process exits a second later
    sock.close()
    time.sleep(1)
    sys.exit(0)
signal.signal(signal.SIGINT, end)
sock.sendall(b"ready")
time.sleep(60)
"""


def seconds_to_stop():  # the triggerer's stop of its runner (Airflow's escalation delay: 10 s; 3 s here)
    ours, theirs = socket.socketpair()
    child = subprocess.Popen([sys.executable, "-c", RUNNER, str(theirs.fileno())], pass_fds=[theirs.fileno()])
    theirs.close()
    assert ours.recv(5) == b"ready"
    supervisor = TriggerRunnerSupervisor(id=uuid.uuid4(), pid=child.pid, stdin=ours, capacity=1,
                                         process=PsutilTracker(psutil.Process(child.pid)),
                                         process_log=structlog.get_logger())
    supervisor.selector.register(ours, selectors.EVENT_READ,
                                 (lambda sock: bool(sock.recv(4096)), supervisor._on_socket_closed))
    start = time.monotonic()
    supervisor.kill(signal.SIGINT, escalation_delay=3, force=True)
    return round(time.monotonic() - start), supervisor._exit_code


print("airflow's", *seconds_to_stop())
supervisors_notice_exits_promptly()
print("ours", *seconds_to_stop())
'''


def test_a_supervisor_notices_its_childs_exit_once_it_has_exited():
    """GIVEN the triggerer stopping its trigger runner, which closes its socket as it ends and exits a second later
    WHEN Airflow's own wait services the runner (a real TriggerRunnerSupervisor and process)
    THEN it sleeps out the whole escalation delay (3 s here; 10 s in the triggerer, so every stop took 11 s), AND
    with the launcher's change (every component's supervisors: a task's too) it returns once the runner has exited
    (1 s), with its exit code. In a fresh interpreter (the change replaces a method of Airflow's class)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", TRIGGERER_STOP_CHECK], capture_output=True, text=True, check=True)
    results = [line.split() for line in out.stdout.splitlines() if line.startswith(("airflow's", "ours"))]  # not logs
    assert results == [["airflow's", "3", "0"], ["ours", "1", "0"]], out.stdout + out.stderr


SIGNAL_DROPPED_CHECK = """
import os, signal, sys
from outcomes.airflow_local.launch import stops_on_the_first_signal

component, which = sys.argv[1], sys.argv[2]
if which == "ours":
    stops_on_the_first_signal(component)
if component == "scheduler":
    from airflow.jobs.scheduler_job_runner import SchedulerJobRunner

    runner = SchedulerJobRunner.__new__(SchedulerJobRunner)  # the handler and the loop's first step need no job
    runner._enable_tracemalloc = False
    runner.register_signals()  # Airflow's own: SIGTERM and SIGINT to _exit_gracefully
    next_pass = lambda: runner._do_scheduling(None)
else:
    from airflow.dag_processing.manager import DagFileProcessorManager

    runner = DagFileProcessorManager(max_runs=1)
    signal.signal(signal.SIGTERM, runner._exit_gracefully)  # as its run() does
    next_pass = runner._kill_timed_out_processors


def signalled_as_the_fork_returns():  # as the scheduler forking its LocalExecutor workers at start-up
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(10_000):  # the handler runs here, inside a callback from C, and its exit is dropped
        pass


os.register_at_fork(after_in_parent=signalled_as_the_fork_returns)
if os.fork() == 0:
    os._exit(0)
os.wait()
print("carried on", flush=True)
try:
    next_pass()  # the main loop's next pass
    print("looped on", flush=True)
except SystemExit as stop:
    print("stopped", stop.code, flush=True)
except Exception as error:
    print("looped on", type(error).__name__, flush=True)
"""


@pytest.mark.parametrize("component", ["scheduler", "dag-processor"])
def test_the_component_stops_when_python_drops_the_exit_its_signal_handler_raised(component):
    """GIVEN the component's own signal handler (Airflow's) WHEN a SIGTERM lands as a fork returns (logging's
    callback after each fork is running) THEN Python drops the handler's exit and Airflow's component carries on
    into its loop's next pass (so `make up`, signalled as the scheduler forked its workers, hung until its 30 s
    deadline), AND with the launcher's change that next pass exits (0). Each in a fresh interpreter."""
    import subprocess
    import sys

    outcome = {}
    for which in ("airflow's", "ours"):
        run = subprocess.run([sys.executable, "-c", SIGNAL_DROPPED_CHECK, component, which], capture_output=True,
                             text=True)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "Exception ignored in" in run.stderr and "SystemExit" in run.stderr, run.stderr
        outcome[which] = [line for line in run.stdout.splitlines() if line.startswith(("carried", "stopped", "loop"))]
    assert outcome["airflow's"][0] == "carried on" and outcome["airflow's"][1].startswith("looped on"), outcome
    assert outcome["ours"] == ["carried on", "stopped 0"], outcome


STOP_SIGNAL_COMPONENTS = """
from airflow.dag_processing.manager import DagFileProcessorManager as Manager
from airflow.jobs.scheduler_job_runner import SchedulerJobRunner as Scheduler
from outcomes.airflow_local.launch import stops_on_the_first_signal

print([stops_on_the_first_signal(c) for c in ("triggerer", "api-server", "scheduler", "dag-processor")])
print(stops_on_the_first_signal("scheduler"))  # twice: wrapped once
print([getattr(m, "keeps_the_signal", False) for m in (Manager._exit_gracefully, Scheduler._exit_gracefully)])
print(Scheduler._do_scheduling.__closure__[-1].cell_contents.__qualname__,
      Manager._kill_timed_out_processors.__closure__[-1].cell_contents.__qualname__)
"""


def test_the_scheduler_and_the_dag_processor_keep_their_stop_signal_and_the_others_are_left_alone():
    """The scheduler's and the dag-processor's handlers raise the exit Python can drop (the triggerer's sets a flag
    its loop reads; the api-server's is uvicorn's): only those two are changed, each method wrapped once."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", STOP_SIGNAL_COMPONENTS], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [
        "[False, False, True, True]", "True", "[True, True]",
        "SchedulerJobRunner._do_scheduling DagFileProcessorManager._kill_timed_out_processors"], out.stderr


def test_a_component_ends_with_airflows_exit_code_and_its_output_flushed():
    """The launcher ends each component without the interpreter's teardown once Airflow's command has returned:
    the exit code is still Airflow's (0, and 2 for a command Airflow does not know) and the output is all there."""
    import subprocess
    import sys

    import airflow

    launch = [sys.executable, "-m", "outcomes.airflow_local.launch"]
    version = subprocess.run([*launch, "version"], capture_output=True, text=True)
    unknown = subprocess.run([*launch, "no-such-command"], capture_output=True, text=True)
    assert (version.returncode, version.stdout.strip()) == (0, airflow.__version__)
    assert unknown.returncode == 2 and "invalid choice" in unknown.stderr
