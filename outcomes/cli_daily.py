"""The data engineer's daily commands of ``outcomes``: look at what loaded (``status``), why rows were
quarantined (``quarantine``), the alerts (``alerts``), and query the warehouse's read-only snapshot (``sql``).

They are registered on the main app by :mod:`outcomes.cli`, where ``outcomes --help`` lists them after ``run``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from config.settings import get_settings
from outcomes.cli_conventions import ONE_LINE_ERRORS, err, fail, out
from outcomes.quarantine import NoQuarantine
from outcomes.sql_query import SqlError

ONE_LINE_ERRORS.extend([NoQuarantine, SqlError])


def sql(
    command: Annotated[str | None, typer.Option(
        "--command", "-c", metavar="SQL", help="Run this SQL (statements end with ;) and print the result as a "
        "table; without it, an interactive shell.")] = None,
    csv_path: Annotated[str | None, typer.Option("--csv", metavar="FILE", help="With -c: write every row as CSV "
                                                 "to FILE instead (- for standard output).")] = None,
    max_rows: Annotated[int, typer.Option(help="Rows shown in a table (CSV has them all).")] = 1_000,
) -> None:
    """SQL on the analysts' read-only snapshot of the warehouse (works while a rebuild runs). Examples in
    docs/sql.md; `.tables` and `.schema NAME` in the shell."""
    from outcomes import sql_query, sql_shell

    if csv_path is not None and command is None:
        fail("--csv needs -c \"select ...\" (in the shell, `.csv FILE` sends the next statement's rows to a file)")
    settings = get_settings()
    with sql_query.open_snapshot(settings) as con:
        if command is None:
            out.print(f"read-only snapshot {settings.snapshot_path}; .help for commands, .quit to leave",
                      highlight=False)
            save_history = sql_shell.readline_history(settings.work_dir / "sql_history")
            try:
                sql_shell.Shell(con, out, max_rows).loop()
            finally:
                save_history()
        elif csv_path is not None:
            count = sql_query.export_csv(con, command, csv_path)
            if csv_path != "-":
                err.print(f"wrote {count:,} rows to {csv_path}", highlight=False)
        else:
            sql_shell.show(out, sql_query.run(con, command, max_rows), max_rows)


def status(
    feed: Annotated[str | None, typer.Option(help="Only this feed id (the totals too).")] = None,
    files: Annotated[bool, typer.Option("--files", help="One line per delivered file instead of per feed.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print everything as JSON.")] = False,
) -> None:
    """What loaded, what was refused and why, what is published: one line per feed (latest period, files
    loaded and refused, rows accepted, quarantined and opted out, duplicate keys, the last refusal)."""
    from outcomes import status_lines
    from outcomes.status import status_report

    report = status_report(feed=feed)
    if as_json:
        print(json.dumps(report, default=str, indent=2))
        return
    width = out.width if out.is_terminal else None
    lines = status_lines.file_lines(report, width) if files else status_lines.feed_lines(report, width)
    for line in [*lines, status_lines.totals_line(report), *status_lines.publication_lines(report)]:
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    if report.get("data_docs"):
        out.print(f"quality gate Data Docs: {report['data_docs']}", highlight=False, markup=False)


def quarantine(
    feed: Annotated[str | None, typer.Option(help="Only this feed id.")] = None,
    file: Annotated[str | None, typer.Option(help="Only this delivered file (its name).")] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Also write the quarantined rows to this CSV "
                                                  "file (for the sending organisation).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Why rows were quarantined: per feed and rule, how many rows, the first lines and example values
    (personal fields withheld)."""
    from outcomes.quarantine import check_file, summarise, write_csv
    from outcomes.status import check_feed

    settings = get_settings()
    check_feed(settings, feed)
    check_file(settings, feed, file)
    summary = summarise(settings, feed, file)
    if as_json:
        print(json.dumps([s.to_dict() for s in summary], indent=2))
    elif not summary:
        out.print("no quarantined rows" + (f" in {file}" if file else "") + (f" of feed {feed}" if feed else ""),
                  highlight=False)
    for s in [] if as_json else summary:
        out.print(s.line(), highlight=False, markup=False, soft_wrap=True)
    if csv_path is not None:
        count = write_csv(settings, csv_path, feed, file)
        err.print(f"wrote {count:,} quarantined rows to {csv_path}", highlight=False, soft_wrap=True)


def alerts(limit: Annotated[int, typer.Option(help="Show the latest N alerts.")] = 20) -> None:
    """Alerts, oldest first: failed tasks, late feeds (and backlogs), refused opt-out lists."""
    from outcomes.alerts import alert_line, read_alerts

    rows = read_alerts()[-limit:]
    if not rows:
        out.print("no alerts")
    for a in rows:
        out.print(alert_line(a), highlight=False, markup=False, soft_wrap=True)
