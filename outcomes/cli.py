"""The ``outcomes`` command line: every pipeline step runs here without Airflow.

Exit code 0 on success; otherwise 1 with a one-line reason on standard error. The pipeline's commands are here;
the daily commands (``sql``, ``status``, ``quarantine``, ``alerts``) are in :mod:`outcomes.cli_daily`, the partner
commands (``deliver``, ``serve``, ``tokens``) in :mod:`outcomes.cli_partners` and the ``contracts`` and
``sources`` sub-apps in :mod:`outcomes.cli_contracts`, all registered on :data:`app` below.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from config import short_lived
from config.agreements import AgreementError
from config.contracts import ContractError
from config.measures import MeasureError
from config.settings import SettingsError, get_settings
from outcomes.cli_contracts import contracts_app, sources_app
from outcomes.cli_conventions import ONE_LINE_ERRORS, err, fail, new_app, out
from outcomes.cli_daily import alerts, quarantine, sql, status
from outcomes.cli_partners import deliver, serve, tokens_app
from outcomes.progress import dbt_node, progress_bar
from outcomes.status import UnknownFeed

app = new_app(help="Shared outcomes pipeline for an integrated care system.")
app.add_typer(contracts_app, name="contracts")
app.add_typer(sources_app, name="sources")
app.add_typer(tokens_app, name="tokens")
ONE_LINE_ERRORS.extend([SettingsError, ContractError, MeasureError, AgreementError, UnknownFeed])


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress in detail.")] = False) -> None:
    from outcomes.quiet_logs import quiet_handlers

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")
    quiet_handlers()  # no library chatter (GX's "Created temporary directory ...") in normal output


@app.command()
def synth(
    out_dir: Annotated[Path | None, typer.Option("--out", metavar="FOLDER",
                                                 help="Folder to write to (default: <work>/synth).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same bytes.")] = 20261123,
    scale: Annotated[float, typer.Option(help="Multiplies every volume (1 = the system's ~800,000 people).")] = 1.0,
    start: Annotated[str, typer.Option(help="First month, YYYY-MM.")] = "2025-04",
    months: Annotated[int, typer.Option(help="Number of months.")] = 12,
    clean: Annotated[bool, typer.Option("--clean", help="Inject no defects.")] = False,
    feed: Annotated[list[str] | None, typer.Option("--feed", help="Only these feed ids (repeatable).")] = None,
    population: Annotated[int, typer.Option(help="Registered population before scaling.")] = 800_000,
    replace: Annotated[bool, typer.Option("--replace", help="Replace the extracts already in the folder (for "
                                          "example the demo's).")] = False,
) -> None:
    """Generate deterministic synthetic extracts for every feed (with a truth file of injected defects).
    Refuses to write over extracts already in the folder unless --replace is given."""
    from synth import SynthConfig, generate

    settings = get_settings()
    target = out_dir or settings.synth_dir
    if (target / "truth.json").exists():
        if not replace:
            fail(f"{target} already holds synthetic extracts (from `make demo` or an earlier `outcomes synth`): "
                 "pass --replace to write over them, or --out to write elsewhere")
        err.print(f"replacing the synthetic extracts in {target}", highlight=False)
    config = SynthConfig(out_dir=target, seed=seed, scale=scale, start=start, months=months,
                         clean=clean, feeds=feed or None, population=population,
                         reference_dir=settings.reference_dir)
    with progress_bar(err, "synthetic extracts", total=months + 1) as bar:
        report = generate(config, progress=lambda m: _synth_step(bar, m))
    out.print(report.summary(), highlight=False)


def _synth_step(bar, message: str) -> None:
    """A step of synth: the bar moves a month at a time on a terminal; elsewhere the message is a dim line."""
    if err.is_terminal:
        bar.advance(1 if message.startswith(("population", "month")) else 0, description=message)
    else:
        err.print(f"[dim]{message}[/]", highlight=False)


@app.command()
def land(
    source: Annotated[Path | None, typer.Option("--from", metavar="FOLDER", help="Folder of extracts laid out "
                                                "<ORG>/<feed>/ (default: <work>/synth, where synth writes).")] = None,
    feed: Annotated[list[str] | None, typer.Option("--feed", help="Only these feed ids (repeatable).")] = None,
) -> None:
    """Land extracts the way partners send them: copy each feed's files into its landing folder, then write the
    _READY marker. `outcomes run` then ingests them; with Airflow up (`make up`) the ingest DAGs start."""
    from outcomes.airflow_local.delivery import deliver_extracts, extracts_by_feed
    from outcomes.status import check_feed

    settings = get_settings()
    for f in feed or []:
        check_feed(settings, f)
    folder = source or settings.synth_dir
    if not folder.is_dir():
        fail(f"{folder} does not exist: run `outcomes synth` first, or give --from")
    by_feed = extracts_by_feed(settings, folder, feeds=feed or None)
    if not by_feed:
        fail(f"no extract in {folder} matches a contract's folder and file pattern (<ORG>/<feed>/<pattern>)")
    for feed_id, paths in deliver_extracts(settings, by_feed).items():
        out.print(f"landed {len(paths)} file(s) of {feed_id} in {paths[0].parent} (+ _READY)", highlight=False)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Delivered files to ingest.")],
    feed: Annotated[str | None, typer.Option(help="Feed id; inferred from the file name when omitted.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON lines.")] = False,
) -> None:
    """Validate files against their contracts and load them into the lake, a line per file as each finishes
    (opt-out lists first, then two feeds at a time, each feed's files in order). Exit 1 if any file was refused
    or failed; a fault (not a data error) is one line too, its traceback logged with --verbose."""
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

    with progress_bar(out, "ingest", total=len(paths), enabled=not as_json) as bar:
        def report_and_advance(path: Path, outcome) -> None:
            report(path, outcome)
            bar.advance(description=f"ingest: {path.name}")

        ingest_files(paths, feed_id=feed, settings=settings,
                     on_result=report_and_advance if len(paths) > 1 else report)
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
    select: Annotated[list[str] | None, typer.Option(
        "--select", "-s", help="dbt selection (repeatable), e.g. source:raw.rwp_ecds+: what is downstream of one "
        "feed (on a warehouse built whole)")] = None,
    unless_current: Annotated[bool, typer.Option(
        "--unless-current", help="Build everything only if the warehouse was not built whole by the dbt project's "
        "code as it is now (a new warehouse, or new code); else build nothing. For a deployment's start.")] = False,
) -> None:
    """Build the warehouse with dbt (models and their tests) and refresh the analysts' snapshot."""
    from transform.build import BuildFailed, build_unless_current
    from transform.build import build as run_build

    if unless_current and select:
        fail("--unless-current builds everything or nothing: it takes no --select")
    with progress_bar(err, "dbt build") as bar:
        try:
            result = (build_unless_current(on_line=_dbt_steps(bar)) if unless_current
                      else run_build(select=select or None, on_line=_dbt_steps(bar)))
        except BuildFailed as exc:
            fail(str(exc))
    if result is None:
        out.print("the warehouse is built whole by the dbt project's code as it is now: nothing to build",
                  highlight=False)
        return
    out.print(result.summary(), highlight=False)


def _dbt_steps(bar):
    """On a terminal, what moves the build's bar with dbt's per-node lines: a step per node finished (model,
    test, seed). Elsewhere None: dbt runs exactly as it does without a bar."""
    if not err.is_terminal:
        return None

    def step(line: str) -> None:
        node = dbt_node(line)
        if node and node[2] != "START":  # nodes finish out of order on two threads: count them
            bar.update(total=node[1])
            bar.advance(description=f"dbt build: {node[3][:36]}")

    return step


@app.command()
def publish(
    table: Annotated[list[str] | None, typer.Option("--table", help="Only these tables (repeatable).")] = None,
) -> None:
    """Run the quality gate on candidate partner tables and publish a new version of those that pass."""
    from publish.errors import GateFailed, PublishError
    from publish.run import publish as run_publish
    from transform.build_state import built_upto

    check_tables(table)
    try:
        results = run_publish(tables=table or None, built_upto=built_upto(get_settings()))
    except (GateFailed, PublishError) as exc:
        if isinstance(exc, GateFailed):
            _gate_alert(exc)
        fail(str(exc))
    for r in results:
        out.print(r.line(), highlight=False)


def check_tables(tables: list[str] | None) -> None:
    """Fail in one line when a --table names no declared partner table."""
    from publish.spec import list_tables

    declared = list_tables(get_settings())
    unknown = [t for t in tables or [] if t not in declared]
    if unknown:
        fail(f"no partner table {', '.join(map(repr, unknown))}: the declared tables are {', '.join(declared)}")


def _gate_alert(exc) -> None:
    """Raise the alert a refused publication owes the engineers (the DAG's failure callback does it in Airflow)."""
    from outcomes.alerts import record_alert

    record_alert("quality_gate", None, None, str(exc).splitlines()[0],
                 details={"table": exc.table, "failures": exc.failures, "candidate": exc.candidate_path,
                          "data_docs": exc.docs_path})


@app.command()
def gate(
    table: Annotated[list[str] | None, typer.Argument(help="Tables to check (default: every declared table).")]
    = None,
    raw: Annotated[bool, typer.Option("--raw", help="Check the lake's feeds against their contracts instead "
                                      "(TABLE names feeds then).")] = False,
) -> None:
    """Run the quality gate alone on candidate partner tables (publish nothing), or with --raw the raw-level
    suites of the lake's feeds: one line per expectation, then every failure in words. Exit 1 on any failure."""
    from publish.errors import PublishError
    from publish.gate import run_raw_gate
    from publish.run import check

    if not raw:
        check_tables(table)
    try:
        results = run_raw_gate(feeds=table or None) if raw else check(tables=table or None)
    except PublishError as exc:
        fail(str(exc))
    failed = False
    for result in results:
        summary = Table(title=f"{result.table}: gate {'passed' if result.success else 'FAILED'}")
        for col in ("batch", "expectation", "result", "observed value"):
            summary.add_column(col, overflow="fold")
        for c in result.checks:
            summary.add_row(c.batch, c.expectation, "pass" if c.success else "[red]FAIL[/]", c.observed)
        out.print(summary)
        for line in [*result.failures, *(f"caveat: {c['caveat']}" for c in result.caveats)]:
            out.print(f"  - {line}", highlight=False)
        failed |= not result.success
    if results:
        out.print(f"Data Docs: {results[-1].docs}", highlight=False)
    elif raw:
        out.print(f"nothing to check: no feed has a current delivery in {get_settings().raw_dir}", highlight=False)
    if failed:
        raise typer.Exit(1)


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
    from publish.errors import GateFailed

    check_tables(table)
    try:
        with progress_bar(err, "ingest, then dbt build") as bar:
            summary = run_once(paths=paths or None, from_landing=landing, select=select or None,
                               tables=table or None, on_dbt_line=_dbt_steps(bar))
    except GateFailed as exc:
        _gate_alert(exc)
        fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - one line a person can act on, detail with --verbose
        logging.getLogger(__name__).debug("run failed", exc_info=True)
        fail(f"{type(exc).__name__}: {exc}")
    out.print(summary.text(), highlight=False)
    if summary.refused:
        raise typer.Exit(1)


# the daily commands (outcomes.cli_daily) after `run`, where `outcomes --help` has always listed them
app.command()(sql)
app.command()(status)
app.command()(quarantine)
app.command()(alerts)


@app.command()
def report(
    dbt_docs: Annotated[bool, typer.Option("--dbt-docs", help="Also build dbt's static docs site (reads the "
                                           "warehouse: not while a dbt build runs).")] = False,
) -> None:
    """Build the outcomes report (a static site) from the live publications: <work>/report/index.html."""
    from outcomes.report.build import build_report
    from outcomes.report.docs_sites import DocsFailed
    from outcomes.report.published import NothingPublished

    try:
        with progress_bar(err, "report") as bar:
            result = build_report(get_settings(), dbt_docs=dbt_docs, on_step=lambda what, done, total: bar.update(
                completed=done, total=total, description=f"report: {what}"))
    except (NothingPublished, DocsFailed) as exc:
        fail(str(exc))
    out.print(result.summary(), highlight=False)


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


# the partner commands (outcomes.cli_partners) after the pipeline's, as `outcomes --help` lists them
app.command()(deliver)
app.command()(serve)


def entrypoint() -> None:
    """Console entry point: bad arguments and known operational errors become one line and exit code 1
    (``outcomes.cli_conventions``). The process lives and ends as a short-lived one (``config.short_lived``): its
    collector set for heavy imports, its end without the interpreter's teardown."""
    short_lived.run(app)
