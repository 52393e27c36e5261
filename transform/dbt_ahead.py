"""A dbt process started ahead of its build, so that dbt's start-up is not on the way from the files to the
warehouse.

Before a build can run, dbt imports itself (about 1.5 s of one core) and parses the project (about 1 s with the
work folder's saved parse, 4 s without). Neither reads the lake or the warehouse: the lake macros answer without a
query while dbt parses. So ``outcomes run`` (outcomes.pipeline.run_once) starts this process before it ingests,
and the build that follows finds dbt ready. The build's command line is only known after the ingest (what is
pending, whether to build whole), so the process waits for it on standard input (transform.dbt_process,
``--ahead``).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

from config.settings import Settings
from transform.build import dbt_command, dbt_line_env, process_command, read_lines
from transform.dbt_process import AHEAD


class DbtAhead:
    """A dbt process that has parsed (or is parsing) the project and waits for one command line to run."""

    def __init__(self, settings: Settings) -> None:
        # transform.dbt_process --ahead, then the parse command with the build's options; no manifest.json from
        # the parse (0.25 s before the build could start), nor from the build (transform.dbt_process.RESULTS_ONLY)
        self.proc = subprocess.Popen(process_command(dbt_command(settings, AHEAD, "parse", "--no-write-json")),
                                     env=dbt_line_env(settings), cwd=settings.dbt_project_dir, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.used = False

    def run(self, cmd: list[str], stream: bool = False,
            on_line: Callable[[str], None] | None = None) -> subprocess.CompletedProcess:
        """Run the dbt command ``cmd`` (from :func:`transform.build.dbt_command`) in this process, as
        :func:`transform.build.run_dbt` runs it in a new one: output captured and given to ``on_line`` line by
        line, or left on this process's output (``stream``). The output starts with the parse's lines."""
        if self.used:
            raise RuntimeError("a dbt process started ahead runs one command; this one has run already")
        self.used = True
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(cmd[1:]) + "\n")
        self.proc.stdin.close()
        return read_lines(self.proc, on_line=on_line, stream=stream)

    def close(self) -> None:
        """End the process if it has not run its command (the end of its input ends it without building)."""
        if self.proc.poll() is not None:
            return
        if self.proc.stdin is not None:
            if not self.proc.stdin.closed:
                self.proc.stdin.close()
            self.proc.stdin = None  # closed: communicate() below only reads what the process still writes
        try:
            self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()

    def __enter__(self) -> DbtAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
