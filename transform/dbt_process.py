"""dbt's command line for the pipeline's dbt processes (``python -m transform.dbt_process build ...``), ended
without the interpreter's teardown.

It is dbt's own ``dbt`` command (``dbt.cli.main.cli``) with one difference at the end. Once dbt has finished, the
process does what an ending process must: the exit handlers run (dbt-duckdb's closes the warehouse, which
checkpoints it into the file), then the logs and the output are flushed. Then it ends with dbt's exit code
(``os._exit``), without freeing dbt's objects one by one. After a build, that freeing took 0.8 s for a process
about to end (bench/results.md, fourteenth round).
"""

from __future__ import annotations

import atexit
import logging
import os
import sys


def exit_code(exc: SystemExit) -> int:
    """The process's exit code for ``SystemExit(code)``, as the interpreter computes it."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)  # a message: printed, exit code 1
    return 1


def main() -> None:
    from dbt.cli.main import cli

    try:
        cli(prog_name="dbt")  # click's standalone mode ends in SystemExit; its usage lines name the dbt command
        code = 0
    except SystemExit as exc:
        code = exit_code(exc)
    atexit._run_exitfuncs()  # noqa: SLF001 - the handlers os._exit would skip; CPython's own hook for this
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
