"""The ``outcomes`` command line: every pipeline step runs here without Airflow.

Exit code 0 on success; otherwise 1 with a one-line reason on standard error.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from config.settings import SettingsError, get_settings

app = typer.Typer(help="Shared outcomes pipeline for an integrated care system.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
contracts_app = typer.Typer(help="Feed contracts: validate them and regenerate what is derived from them.",
                            no_args_is_help=True)
app.add_typer(contracts_app, name="contracts")
sources_app = typer.Typer(help="Source systems the pull DAGs fetch from (MESH, SFTP, SQL).", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
out = Console(soft_wrap=True)
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress in detail.")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # GX logs its internals at INFO


@app.command()
def synth(
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder to write to (default: <work>/synth).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same bytes.")] = 20261123,
    scale: Annotated[float, typer.Option(help="Multiplies every volume (1 = the system's ~800,000 people).")] = 1.0,
    start: Annotated[str, typer.Option(help="First month, YYYY-MM.")] = "2025-04",
    months: Annotated[int, typer.Option(help="Number of months.")] = 12,
    clean: Annotated[bool, typer.Option("--clean", help="Inject no defects.")] = False,
    feed: Annotated[list[str] | None, typer.Option("--feed", help="Only these feed ids (repeatable).")] = None,
    population: Annotated[int, typer.Option(help="Registered population before scaling.")] = 800_000,
) -> None:
    """Generate deterministic synthetic extracts for every feed (with a truth file of injected defects)."""
    from synth import SynthConfig, generate

    settings = get_settings()
    config = SynthConfig(out_dir=out_dir or settings.synth_dir, seed=seed, scale=scale, start=start, months=months,
                         clean=clean, feeds=feed or None, population=population,
                         reference_dir=settings.reference_dir)
    report = generate(config, progress=lambda m: err.print(f"[dim]{m}[/]", highlight=False))
    out.print(report.summary(), highlight=False)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Delivered files to ingest.")],
    feed: Annotated[str | None, typer.Option(help="Feed id; inferred from the file name when omitted.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON lines.")] = False,
) -> None:
    """Validate files against their contracts and load them into the lake, a line per file as each finishes
    (opt-out lists first, then feed by feed). Exit 1 if any file was refused or failed; a fault (not a data
    error) is one line too, its traceback logged with --verbose."""
    from ingest.errors import FileRejected
    from ingest.load import ingest_files
    from outcomes.optout_alerts import alert_if_refused_list

    settings = get_settings()
    refused = 0

    def report(path: Path, outcome) -> None:  # printed as each file finishes
        nonlocal refused
        alert_if_refused_list(settings, path, outcome, feed)
        if isinstance(outcome, FileRejected):
            refused += 1
            _emit(as_json, {"file": str(path), "status": "rejected", **outcome.to_dict(),
                            "reason": outcome.describe()}, f"[red]refused[/] {outcome.describe()}")
        elif isinstance(outcome, Exception):
            refused += 1
            reason = _one_line(path, outcome)
            _emit(as_json, {"file": str(path), "status": "error", "reason": reason}, f"[red]error[/] {reason}")
        else:
            colour = "green" if outcome.status == "loaded" else "yellow"
            _emit(as_json, outcome.to_dict(), f"[{colour}]{outcome.status}[/] {outcome.summary()}")

    ingest_files(paths, feed_id=feed, settings=settings, on_result=report)
    if refused:
        raise typer.Exit(1)


def _one_line(path: Path, exc: Exception) -> str:
    """A file's error as one line. A fault that is not an operational error (a missing file or setting, an
    invalid contract) names its type and the file, and its traceback is logged (shown with --verbose)."""
    first = (str(exc).splitlines() or [""])[0]
    if isinstance(exc, FileNotFoundError | SettingsError | ValueError):
        return first
    logging.getLogger(__name__).info("%s: ingest failed", path, exc_info=exc)
    return f"{path.name}: {type(exc).__name__}: {first} (a fault, not a data error: --verbose shows where)"


def _emit(as_json: bool, data: dict, text: str) -> None:
    if as_json:
        print(json.dumps(data, default=str))
    else:
        out.print(text, highlight=False, soft_wrap=True)


@app.command()
def build(
    select: Annotated[list[str] | None, typer.Option("--select", "-s", help="dbt selection, e.g. source:raw.rwp_ecds+")]
    = None,
) -> None:
    """Build the warehouse with dbt (models and their tests) and refresh the analysts' snapshot."""
    from transform.build import BuildFailed
    from transform.build import build as run_build

    try:
        result = run_build(select=select or None)
    except BuildFailed as exc:
        fail(str(exc))
    out.print(result.summary(), highlight=False)


@app.command()
def publish(
    table: Annotated[list[str] | None, typer.Option("--table", help="Only these tables (repeatable).")] = None,
) -> None:
    """Run the quality gate on candidate partner tables and publish a new version of those that pass."""
    from publish.errors import GateFailed
    from publish.run import publish as run_publish

    try:
        results = run_publish(tables=table or None)
    except GateFailed as exc:
        fail(str(exc))
    for r in results:
        out.print(f"{r.table}: {r.status} {r.version} ({r.rows} rows) at {r.path}", highlight=False)


@app.command()
def run(
    landing: Annotated[bool, typer.Option(help="Ingest whatever waits in the landing folder.")] = True,
    paths: Annotated[list[Path] | None, typer.Argument(help="Files to ingest (instead of the landing folder).")]
    = None,
    select: Annotated[list[str] | None, typer.Option(
        "--select", "-s", help="Build only this dbt selection (repeatable; default: everything).")] = None,
    table: Annotated[list[str] | None, typer.Option(
        "--table", help="Publish only these tables (repeatable; default: every declared table).")] = None,
) -> None:
    """The whole pipeline once, no scheduler: ingest -> dbt build -> quality gate -> publication."""
    from outcomes.pipeline import run_once

    try:
        summary = run_once(paths=paths or None, from_landing=landing, select=select or None, tables=table or None)
    except Exception as exc:  # noqa: BLE001 - one line a person can act on, detail with --verbose
        logging.getLogger(__name__).debug("run failed", exc_info=True)
        fail(f"{type(exc).__name__}: {exc}")
    out.print(summary.text(), highlight=False)
    if summary.refused:
        raise typer.Exit(1)


@app.command()
def status(
    feed: Annotated[str | None, typer.Option(help="Only this feed id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """What loaded, what was rejected and why, what is published."""
    from outcomes.status import status_report

    report = status_report()
    if feed:
        report["ledger"] = [r for r in report["ledger"] if r["feed_id"] == feed]
    if as_json:
        print(json.dumps(report, default=str, indent=2))
        return
    table = Table(title=f"Load ledger ({report['work_dir']})")
    for col in ("batch", "feed", "file", "status", "received", "accepted", "quarantined", "opted out",
                "outside England", "reason"):
        table.add_column(col, overflow="fold")
    for r in report["ledger"]:
        table.add_row(r["batch_id"][:22], r["feed_id"], r["file"], r["status"], _n(r.get("rows_received")),
                      _n(r.get("rows_accepted")), _n(r.get("rows_rejected")), _n(r.get("rows_opted_out")),
                      _n(r.get("rows_outside_england")),
                      (r.get("reason") or ("superseded by " + r["superseded_by"][:22] if r.get("superseded_by")
                                           else "")))
    out.print(table)
    feeds = Table(title="Feeds (current = the deliveries the warehouse uses; superseded keys as of the last build)")
    for col in ("feed", "files", "loaded", "rejected", "current", "current rows", "of them outside England",
                "latest period", "superseded keys"):
        feeds.add_column(col, overflow="fold")
    for f in report["feeds"]:
        if feed and f["feed_id"] != feed:
            continue
        feeds.add_row(f["feed_id"], _n(f["files"]), _n(f["loaded"]), _n(f["rejected"]), _n(f["current_deliveries"]),
                      _n(f["current_rows_accepted"]), _n(f["current_rows_outside_england"]),
                      f["latest_declared_period"] or "", _n(f["superseded_keys"]))
    out.print(feeds)
    t = report["totals"]
    out.print(f"{t['files']} files: {t['loaded']} loaded, {t['rejected']} rejected, {t['duplicate']} duplicate; "
              f"rows received {t['rows_received']:,}, accepted {t['rows_accepted']:,}, "
              f"quarantined {t['rows_quarantined']:,}, opted out {t['rows_opted_out']:,}; "
              f"identifiers redacted from free text {t['redactions']:,}; "
              f"of the accepted, {t['rows_outside_england']:,} are residents outside England", highlight=False)
    for p in report["publications"]:
        out.print(f"published: {p['table']} {p['version']} ({p['rows']} rows) at {p['path']}", highlight=False)
    if not report["publications"]:
        out.print("published: nothing yet", highlight=False)


def _n(value: object) -> str:
    return "" if value is None else f"{value:,}"


@app.command()
def alerts(limit: Annotated[int, typer.Option(help="Show the latest N alerts.")] = 20) -> None:
    """Alerts: failed tasks, late feeds and refused opt-out lists."""
    from outcomes.alerts import read_alerts

    rows = read_alerts()[-limit:]
    if not rows:
        out.print("no alerts")
    for a in rows:
        where = ".".join(p for p in (a.get("dag_id"), a.get("task_id")) if p)
        out.print(f"{a.get('when')} {a.get('kind')} {where + ': ' if where else ''}{a.get('reason')}",
                  highlight=False, soft_wrap=True)


@app.command()
def purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be removed; remove nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Remove delivered files archived longer ago than the retention period (OUTCOMES_ARCHIVE_RETENTION_DAYS,
    default 30) from the identifiable zone's archive. Never touches the lake."""
    from ingest.archive import purge_archive

    settings = get_settings()
    result = purge_archive(settings, dry_run=dry_run)
    if as_json:
        print(json.dumps(result.to_dict(), indent=2))
        return
    table = Table(title=f"Archive {settings.archive_dir} ({'dry run' if dry_run else 'purged'})")
    for col in ("feed", "batch", "archived at (UTC)", "age (days)", "files", "bytes"):
        table.add_column(col, overflow="fold")
    for d in result.expired:
        table.add_row(d.feed_id, d.batch_id, d.archived_at[:16].replace("T", " "), f"{d.age_days:.1f}",
                      "\n".join(d.files), f"{d.size_bytes:,}")
    if result.expired:
        out.print(table)
    out.print(result.summary(), highlight=False)


@contracts_app.command("check")
def contracts_check() -> None:
    """Validate every contract and measure declaration and check the generated files are current."""
    from config.contracts import ContractError, load_contracts
    from config.measures import MeasureError, load_measures
    from transform.sources import sync

    settings = get_settings()
    try:
        contracts = load_contracts(settings.contracts_dir)
        measures = load_measures(settings.measures_dir, settings.contracts_dir)
    except (ContractError, MeasureError) as exc:
        fail(str(exc))
    if not sync(settings, check=True):
        fail("generated files are out of date with the contracts or the measure registry: "
             "run `outcomes contracts sync`")
    out.print(f"{len(contracts)} contracts and {len(measures)} measures valid; generated files current")


@contracts_app.command("sync")
def contracts_sync() -> None:
    """Regenerate the dbt sources, lake models, measure models and measure pages from the contracts and the
    measure registry."""
    from transform.sources import sync

    sync(get_settings())
    out.print("generated files regenerated from the contracts and the measure registry")


@sources_app.command("check")
def sources_check() -> None:
    """Reach every declared source (MESH mailbox, SFTP folder, database) with its Airflow connection and print
    reachable / unreachable with the reason. Exit 1 if any is unreachable."""
    from config.contracts import load_contracts
    from pull.sources import check_all

    results = check_all(list(load_contracts(get_settings().contracts_dir)))
    table = Table("feed", "source", "connection", "status", "detail")
    for r in results:
        table.add_row(r.feed_id, r.kind, r.connection, "[green]reachable[/]" if r.reachable else "[red]unreachable[/]",
                      r.detail)
    out.print(table if results else "no contract declares a pulled source (every feed arrives in a folder)")
    if any(not r.reachable for r in results):
        raise typer.Exit(1)


def entrypoint() -> None:
    """Console entry point: known operational errors become one line and exit code 1."""
    from config.contracts import ContractError
    from config.measures import MeasureError

    try:
        app()
    except (SettingsError, ContractError, MeasureError, FileNotFoundError) as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
