"""How the pipeline's commands live and end (config.short_lived): heavy imports no longer walk every object again
and again; the end waits for the process's threads, runs its exit handlers and flushes its output, with the
command's exit code. Each case runs in a process of its own: the collector and the end belong to the interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from config.short_lived import YOUNGEST, exit_code

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
                          check=False)


# Counts the walks of the oldest generation (every object) while Great Expectations and pandas are imported.
WALKS = """
import gc, sys
walks = []
gc.callbacks.append(lambda phase, info: walks.append(1) if phase == "stop" and info["generation"] == 2 else None)
if sys.argv[1] == "start":
    from config import short_lived
    short_lived.start()
import great_expectations, pandas
print(len(walks))
"""


def test_heavy_imports_no_longer_walk_every_object_again_and_again():
    default, started = (int(_python(WALKS, how).stdout.split()[-1]) for how in ("default", "start"))
    assert default >= 3  # what start() is for: CPython's defaults walk them several times
    assert started <= 1


# A command that leaves a thread working, an exit handler and unflushed output, then ends with code 3.
ENDING = """
import atexit, logging, sys, threading, time
from config import short_lived
short_lived.start()
logging.basicConfig(filename=sys.argv[1], level=logging.INFO)
atexit.register(lambda: print("exit handler ran", end=""))
threading.Thread(target=lambda: (time.sleep(0.3), logging.info("thread finished"))).start()
sys.stdout.write("output ")
short_lived.end(3)
print("never")
"""


def test_the_end_waits_for_threads_runs_exit_handlers_and_flushes(tmp_path):
    log = tmp_path / "run.log"
    done = _python(ENDING, str(log))
    assert (done.returncode, done.stdout, done.stderr) == (3, "output exit handler ran", "")
    assert "thread finished" in log.read_text(encoding="utf-8")


# What the exit handlers of the pipeline's processes see: the collector's youngest threshold.
SEEN = "import atexit, gc, sys\natexit.register(lambda: print('youngest', gc.get_threshold()[0]))\n"


@pytest.mark.parametrize(("start", "code"), [
    ("sys.argv = ['outcomes', '--help']\nfrom outcomes.cli import entrypoint\nentrypoint()", 0),
    ("sys.argv = ['outcomes', 'no-such-command']\nfrom outcomes.cli import entrypoint\nentrypoint()", 1),
    ("sys.argv = ['dbt_process', '--version']\nfrom transform.dbt_process import main\nmain()", 0),
], ids=["the outcomes command", "the outcomes command, misused", "the dbt process"])
def test_the_pipelines_processes_live_and_end_so(start, code):
    done = _python(SEEN + start)
    assert done.returncode == code, done.stderr
    assert done.stdout.splitlines()[-1] == f"youngest {YOUNGEST}"
    assert "leaked" not in done.stderr


def test_exit_codes_are_the_interpreters():
    assert [exit_code(SystemExit(c)) for c in (None, 0, 1, 2)] == [0, 0, 1, 2]
    assert exit_code(SystemExit("a message")) == 1
