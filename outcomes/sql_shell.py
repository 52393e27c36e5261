"""The interactive SQL shell of ``outcomes sql``: statements end with ``;`` (several lines allowed), line editing and
history from the standard library's readline (kept in ``<work>/sql_history``), and a few dot commands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from outcomes import sql_query

PIPED_WIDTH = 1_000  # characters a table may take when the output is not a terminal

HELP = """Statements end with ; and may span lines. Dot commands:
  .tables            every table and view (schema.name)
  .schema NAME       the columns of a table or view and their types
  .csv FILE          write the next statement's rows to FILE as CSV
  .help              this text
  .quit              leave (or Ctrl-D)"""


def result_table(result: sql_query.Result) -> Table:
    """A rich table of the rows (numbers right-aligned, nulls shown as NULL, booleans as true/false)."""
    table = Table(show_edge=False, header_style="bold")
    numeric = [bool(result.rows) and all(_is_number(r[i]) or r[i] is None for r in result.rows)
               for i in range(len(result.columns))]
    for name, is_number in zip(result.columns, numeric, strict=True):
        table.add_column(name, justify="right" if is_number else "left", overflow="fold")
    for row in result.rows:
        table.add_row(*map(_shown, row))
    return table


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _shown(value: object) -> str:
    """A value as the table shows it: NULL, true/false (as SQL writes them), else its text."""
    if value is None:
        return "NULL"
    return str(value).lower() if isinstance(value, bool) else str(value)


def show(console: Console, result: sql_query.Result, max_rows: int) -> None:
    if not result.columns:
        return
    # on a terminal the table fits the window; piped or captured it keeps every value on one line (rich clamps a
    # print's width to the console's, so the console is widened for it)
    width = console.width
    console.width = width if console.is_terminal else PIPED_WIDTH
    try:
        console.print(result_table(result))
    finally:
        console.width = width
    shown = f"{len(result.rows):,} row{'s' if len(result.rows) != 1 else ''}"
    more = f" (the first {max_rows:,}: more not shown; .csv FILE or --csv for all)" if result.more else ""
    console.print(f"[dim]{shown}{more}[/]", highlight=False)


class Shell:
    """Read statements and dot commands, run them on the snapshot, print the results; errors are one line and the
    shell carries on."""

    def __init__(self, con: duckdb.DuckDBPyConnection, console: Console, max_rows: int,
                 read: Callable[[str], str] = input) -> None:
        self.con, self.console, self.max_rows, self.read = con, console, max_rows, read
        self.csv_target: str | None = None

    def lines(self) -> Iterable[str]:
        """Statements and dot commands, one at a time, until end of input or .quit."""
        pending: list[str] = []
        while True:
            try:
                line = self.read("   ...> " if pending else "outcomes> ")
            except EOFError:
                return
            except KeyboardInterrupt:  # Ctrl-C drops the statement being typed, as psql does
                pending = []
                self.console.print()
                continue
            if not pending and line.strip().startswith("."):
                yield line.strip()
                continue
            if line.strip():
                pending.append(line)
            if pending and line.rstrip().endswith(";"):
                yield "\n".join(pending)
                pending = []

    def loop(self) -> None:
        for text in self.lines():
            if text in (".quit", ".exit"):
                return
            try:
                self.handle(text)
            except sql_query.SqlError as exc:
                self.console.print(f"[bold red]error:[/] {exc}", highlight=False)

    def handle(self, text: str) -> None:
        command, _, argument = text.partition(" ")
        if command == ".help":
            self.console.print(HELP, highlight=False, markup=False)
        elif command == ".tables":
            for schema, name, kind in sql_query.relations(self.con):
                self.console.print(f"{schema}.{name}  [dim]{kind}[/]", highlight=False)
        elif command == ".schema":
            if not argument.strip():
                raise sql_query.SqlError(".schema needs a table or view name, e.g. .schema marts.measure_values")
            for name, data_type in sql_query.columns_of(self.con, argument.strip()):
                self.console.print(f"{name}  [dim]{data_type}[/]", highlight=False)
        elif command == ".csv":
            if not argument.strip():
                raise sql_query.SqlError(".csv needs a file name")
            self.csv_target = argument.strip()
            self.console.print(f"the next statement's rows go to {self.csv_target}", highlight=False)
        elif command.startswith("."):
            raise sql_query.SqlError(f"unknown command {command}: .help lists them")
        elif self.csv_target:
            target, self.csv_target = self.csv_target, None
            count = sql_query.export_csv(self.con, text, target)
            self.console.print(f"wrote {count:,} rows to {target}", highlight=False)
        else:
            show(self.console, sql_query.run(self.con, text, self.max_rows), self.max_rows)


def readline_history(path: Path) -> Callable[[], None]:
    """Load the shell's history from ``path`` (if readline is available); returns the function that saves it."""
    try:
        import readline
    except ImportError:  # pragma: no cover - not on Linux or macOS
        return lambda: None
    if path.exists():
        readline.read_history_file(path)
    readline.set_history_length(1000)

    def save() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(path)

    return save
