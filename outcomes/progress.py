"""Progress bars for the long steps of the command line (synth, ingest of many files, dbt build): drawn on a
terminal only, and removed when the step ends; on anything else (a pipe, a file, an Airflow log) they print
nothing, so captured output stays exactly the lines the commands promise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

# dbt's per-node lines: "12:00:01  3 of 40 OK created sql table model marts.x ... [OK in 0.2s]" (START lines say a
# node began; every other status says it finished)
DBT_NODE_LINE = re.compile(r"^\S*\s*(\d+) of (\d+) (\S+) (.*)$")
DBT_LINE_END = re.compile(r"\s*\.*\s*\[[^\]]*\]$")  # " ........ [OK in 0.2s]"


@dataclass
class Bar:
    """One task of a progress display; every method does nothing when the display is disabled."""

    progress: Progress
    task: TaskID

    def advance(self, steps: float = 1, description: str | None = None) -> None:
        self.progress.update(self.task, advance=steps, **({"description": description} if description else {}))

    def update(self, completed: float | None = None, total: float | None = None,
               description: str | None = None) -> None:
        fields = {"completed": completed, "total": total, "description": description}
        self.progress.update(self.task, **{k: v for k, v in fields.items() if v is not None})


@contextmanager
def progress_bar(console: Console, description: str, total: float | None = None,
                 enabled: bool = True) -> Iterator[Bar]:
    """A bar on ``console`` if it is a terminal (lines printed meanwhile, on it or with ``print``, appear above
    it), gone when the block ends; nothing at all otherwise, or when not ``enabled`` (machine output: --json)."""
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, transient=True, disable=not (enabled and console.is_terminal))
    with progress:
        yield Bar(progress, progress.add_task(description, total=total))


def dbt_node(line: str) -> tuple[int, int, str, str] | None:
    """(index, total, status, node) from one of dbt's per-node lines, else None (the project's on-run-end hook,
    numbered on its own after the nodes, included)."""
    match = DBT_NODE_LINE.match(line.strip())
    if not match:
        return None
    index, total, status, rest = match.groups()
    if rest.startswith("hook: "):
        return None
    return int(index), int(total), status, DBT_LINE_END.sub("", rest).strip()
