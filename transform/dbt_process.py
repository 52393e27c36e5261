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
"""

from __future__ import annotations

import json
import sys

from config import short_lived

AHEAD = "--ahead"


def run_ahead(parse_args: list[str]) -> int:
    """Parse with ``parse_args`` (``parse`` and the build's project, profile, target and vars options), then run
    the command line read from standard input with that parse. dbt's exit codes: 0 success, 1 failing nodes, 2 an
    error. A project that does not parse is parsed again by the build, which reports why."""
    from dbt.cli.main import dbtRunner

    parsed = dbtRunner().invoke(parse_args)
    line = sys.stdin.readline()
    if not line.strip():
        return 0
    result = dbtRunner(manifest=parsed.result if parsed.success else None).invoke(json.loads(line))
    if result.exception is not None:
        print(f"dbt: {result.exception}", file=sys.stderr)
        return 2
    return 0 if result.success else 1


def main() -> None:
    short_lived.run(_command)


def _command() -> int:
    """The dbt command line this process was started with (click's standalone mode ends in SystemExit; its usage
    lines name the dbt command), or, with ``--ahead``, the parse and the build it waits for."""
    if sys.argv[1:2] == [AHEAD]:
        return run_ahead(sys.argv[2:])
    from dbt.cli.main import cli

    cli(prog_name="dbt")
    return 0


if __name__ == "__main__":
    main()
