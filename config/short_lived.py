"""How the pipeline's commands live and end: the ``outcomes`` command line and the dbt process it starts
(``transform.dbt_process``) are processes that end when their command ends.

**The collector** (:func:`start`). CPython collects the youngest generation of its container objects every 700
allocations net of frees, and walks every object (the oldest generation) when the middle one has been collected ten
times and the old objects have grown by a quarter since the last walk. Importing dbt, Great Expectations and pandas
leaves about 300,000 long-lived objects, so a process walks them all seven or eight times in its first seconds,
each walk longer than the last, and frees almost nothing: reference counts free what the pipeline's code drops. In a
one-month ``outcomes run``, the main process spent 0.74 s collecting and its dbt process 0.96 s; with the youngest
generation collected every :data:`YOUNGEST` allocations, 0.26 s and 0.36 s (bench/results.md, twentieth round).
Cycles are still collected, later; a long-lived command (``outcomes serve``) collects them too.

**The end** (:func:`end`). When the command has finished, the process does what an ending interpreter does that
matters: waits for its threads, runs the exit handlers (dbt-duckdb's closes the warehouse, which checkpoints it
into the file; logging's flushes and closes the log files), flushes its output. Then it ends with the command's exit
code (``os._exit``) instead of freeing every object one by one and collecting once more, which takes 0.5 s after a
one-month run and 0.8 s after a dbt build (bench/results.md, fourteenth and twentieth rounds): the operating system
takes the memory back as the process ends.
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
import sys
import threading
from collections.abc import Callable

#: Allocations (net of frees) between two collections of the youngest generation; CPython's default is 700.
YOUNGEST = 50_000


def start() -> None:
    """Collect the youngest generation every :data:`YOUNGEST` allocations; the older generations' thresholds are
    left as they are."""
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNGEST, middle, oldest)


def run(command: Callable[[], object]) -> None:
    """Run ``command`` as the whole life of this process: the collector set first (:func:`start`), then ended
    (:func:`end`) with the code it returns (0 when it returns no number), or with that of the ``SystemExit`` it
    raises (a command line's standalone mode ends so). Never returns; any other exception propagates, with the
    interpreter's own end."""
    start()
    try:
        returned = command()
        code = returned if isinstance(returned, int) else 0
    except SystemExit as exc:
        code = exit_code(exc)
    end(code)


def exit_code(exc: SystemExit) -> int:
    """The process's exit code for ``SystemExit(code)``, as the interpreter computes it."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)  # a message: printed, exit code 1
    return 1


def end(code: int) -> None:
    """End the process with ``code`` once its threads have finished, its exit handlers have run and its output is
    flushed, without the interpreter's teardown. Never returns."""
    threading._shutdown()  # noqa: SLF001 - the interpreter's own wait for non-daemon threads, as at its exit
    atexit._run_exitfuncs()  # noqa: SLF001 - the handlers os._exit would skip; CPython's own hook for this
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
