"""dbt's command line for the pipeline's dbt processes (``python -m transform.dbt_process build ...``), ended
without the interpreter's teardown; and a dbt process started ahead of its build (``--ahead``).

It is dbt's own ``dbt`` command (``dbt.cli.main.cli``), living and ending as the pipeline's short-lived
processes do (``config.short_lived``): the collector set so that dbt's import and parse do not walk every object
eight times, and an end without the interpreter's teardown once the exit handlers have run (dbt-duckdb's closes
the warehouse, which checkpoints it into the file) and the output is flushed. After a build, that teardown took
0.8 s for a process about to end (bench/results.md, fourteenth round).

``python -m transform.dbt_process --ahead parse <options>`` starts dbt before its build is known
(transform.dbt_ahead): it imports dbt and parses the project now, then waits for the build's command line, one
JSON list on standard input, and runs it with the parsed project (dbt's ``dbtRunner(manifest=...)``). The end of
standard input instead ends it without building.

``--write-run-results-only`` (RESULTS_ONLY, the pipeline's option, not dbt's) runs the command with dbt's
``--no-write-json`` and then writes, of dbt's artifacts, only ``run_results.json`` in its ``--target-path``: what
transform.build reads. A build otherwise writes ``manifest.json`` twice (once parsed, once compiled at its end),
``graph.gpickle`` and ``semantic_manifest.json``, which nothing of the pipeline reads (bench/results.md,
thirty-second round).
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

from config import short_lived

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult

AHEAD = "--ahead"
RESULTS_ONLY = "--write-run-results-only"
RUN_RESULTS = "run_results.json"


def invoke(args: list[str], manifest: object = None) -> dbtRunnerResult:
    """dbt's command line ``args`` run by ``dbtRunner`` (with ``manifest``, a parsed project, when given), the
    option RESULTS_ONLY honoured: dbt writes no artifact, and its run results are written to
    ``<--target-path>/run_results.json`` as dbt writes them (a build whose nodes failed has them too)."""
    from dbt.cli.main import dbtRunner

    results = None
    if RESULTS_ONLY in args:
        args = [arg for arg in args if arg != RESULTS_ONLY] + ["--no-write-json"]
        results = os.path.join(_option(args, "--target-path"), RUN_RESULTS)
    result = dbtRunner(manifest=manifest).invoke(args)
    if results is not None and hasattr(result.result, "write"):
        result.result.write(results)
    return result


def exit_code(result: dbtRunnerResult) -> int:
    """The exit code of a dbt process that gave ``result``: 0 success, 1 failing nodes, 2 an error."""
    return 0 if result.success else 2 if result.exception is not None else 1


def _option(args: list[str], name: str) -> str:
    if name not in args[:-1]:
        raise ValueError(f"{RESULTS_ONLY} needs dbt's {name} option, to know where the run results go")
    return args[args.index(name) + 1]


def run_ahead(parse_args: list[str]) -> int:
    """Parse with ``parse_args`` (``parse`` and the build's project, profile, target and vars options), then run
    the command line read from standard input with that parse. dbt's exit codes: 0 success, 1 failing nodes, 2 an
    error. A project that does not parse is parsed again by the build, which reports why."""
    parsed = invoke(parse_args)
    line = sys.stdin.readline()
    if not line.strip():
        return 0
    return _reported(invoke(json.loads(line), manifest=parsed.result if parsed.success else None))


def _reported(result: dbtRunnerResult) -> int:
    """``result``'s exit code, its exception (dbt refused the command) written to standard error."""
    if result.exception is not None:
        print(f"dbt: {result.exception}", file=sys.stderr)
    return exit_code(result)


def main() -> None:
    short_lived.run(_command)


def _command() -> int:
    """The dbt command line this process was started with (click's standalone mode ends in SystemExit; its usage
    lines name the dbt command), or, with ``--ahead``, the parse and the build it waits for; with RESULTS_ONLY,
    dbt's runner."""
    if sys.argv[1:2] == [AHEAD]:
        return run_ahead(sys.argv[2:])
    if RESULTS_ONLY in sys.argv:
        return _reported(invoke(sys.argv[1:]))
    from dbt.cli.main import cli

    cli(prog_name="dbt")
    return 0


if __name__ == "__main__":
    main()
