"""``make demo``: synthetic extracts -> landing -> Airflow (event-driven) -> dbt -> quality gate -> publication.

Starts the embedded Airflow (scheduler, dag-processor, triggerer, api-server) in the background, and a local MESH
sandbox for the feeds whose contracts say they come by MESH (Worcestershire Acute's: the trust's MESH client sends
them, the pull DAGs fetch them into landing); drops the other synthetic files into the landing folders the way
partners do (file, then ``_READY``), waits (bounded) for the publication, prints a summary with where every output
is and which feed came by which route, and stops what it started.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from config import names
from config.settings import (
    AS_OF_ENV,
    KEY_AIRFLOW_ID,
    KEY_ENV,
    Settings,
    SettingsError,
    get_pseudonym_key,
    get_settings,
)

PUBLISHED_TABLE = "ed_four_hour_performance"
DEMO_START = "2025-04"  # synth's default first month


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def prepare_environment() -> None:
    """A throwaway key for the demo only (held in this process's environment, never written anywhere)."""
    if not _key_configured():
        os.environ[KEY_ENV] = secrets.token_urlsafe(32)
        say(f"no pseudonymisation key was set ({KEY_ENV}, or the Airflow Variable or Connection "
            f"{KEY_AIRFLOW_ID!r}): using a throwaway random demo key (never stored; set your own for real use)")
    # Synthetic NHS Numbers come from the NHS test range (999...), which a live deployment rejects.
    os.environ.setdefault("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", "1")


def _key_configured() -> bool:
    """A key is set in the environment or in an Airflow Variable or Connection (Airflow inherits this environment)."""
    if os.environ.get(KEY_ENV):
        return True  # a key too short is refused by ingest, with the reason
    try:
        get_pseudonym_key()
    except SettingsError:
        return False
    return True


def data_clock(start: str, months: int) -> str:
    """The demo's clock: the day after its last simulated month, so late feeds are judged against the data's
    time and not against today (which would find every month since missing)."""
    year, month = map(int, start.split("-"))
    month += months
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return f"{year:04d}-{month:02d}-01"


def generate_extracts(settings: Settings, scale: float, months: int, feeds: list[str] | None) -> list[Path]:
    from synth import SynthConfig, generate

    say(f"generating synthetic extracts (scale {scale}, {months} months) into {settings.synth_dir}")
    report = generate(SynthConfig(out_dir=settings.synth_dir, scale=scale, start=DEMO_START, months=months, feeds=feeds,
                                  reference_dir=settings.reference_dir),
                      progress=lambda m: print(f"    {m}", flush=True))
    print(report.summary(), flush=True)
    return [Path(f) for f in report.files]


ROUTES: dict[str, str] = {}  # feed id -> how its files came (for the summary)


def deliver(settings: Settings, files: list[Path], optout: bool, sandbox=None) -> dict[str, list[Path]]:
    """Deliver generated files by each feed's route (outcomes.demo_routes): into its landing folder then
    ``_READY``, or through MESH when its contract says so.

    ``optout=True`` delivers only the national data opt-out list, ``False`` every other feed.
    """
    from config.contracts import load_contracts
    from outcomes.demo_routes import deliver_files

    by_feed: dict[str, list[Path]] = {}
    for contract in load_contracts(settings.contracts_dir):
        if (contract.kind == "optout") != optout:
            continue
        mine = [f for f in files if f.parent == settings.synth_dir / contract.landing_subdir()
                and contract.matches(f.name)]
        if mine:
            ROUTES[contract.feed_id] = deliver_files(settings, contract, mine, sandbox)
            by_feed[contract.feed_id] = mine
    return by_feed


def new_ledger_entries(settings: Settings, names: set[str], since: datetime) -> list[dict]:
    from lake.ledger import read_entries

    return [e for e in read_entries(settings) if e["file"] in names and e["received_at"] >= since.isoformat()]


def wait_for_ingest(settings: Settings, delivered: dict[str, list[Path]], since: datetime, timeout: float) -> None:
    """Until every dropped file has a ledger row made after ``since`` (loaded, refused or duplicate)."""
    from outcomes.airflow_local import wait_for

    names = {f.name for files in delivered.values() for f in files}
    seen = {"n": -1}

    def all_ingested() -> bool:
        done = {e["file"] for e in new_ledger_entries(settings, names, since)}
        if len(done) != seen["n"]:
            seen["n"] = len(done)
            say(f"ingested {len(done)} of {len(names)} delivered files")
        return len(done) == len(names)

    wait_for(all_ingested, timeout, "every delivered file to be ingested", interval=2)


def wait_for_pipeline(settings: Settings, handle, delivered: dict[str, list[Path]], since: datetime,
                      timeout: float) -> None:
    """Until every dropped file has a new ledger row and, if any loaded, a publication followed the last one."""
    from outcomes.airflow_local import parse_time, wait_for_publication_covering

    wait_for_ingest(settings, delivered, since, timeout)
    names = {f.name for files in delivered.values() for f in files}
    entries = new_ledger_entries(settings, names, since)
    if not any(e["status"] == "loaded" for e in entries):
        say("every file was already loaded before (same bytes): nothing to rebuild, the publication is unchanged")
        return
    last_commit = max(parse_time(e["finished_at"]) for e in entries)
    say("all files ingested; waiting for the transform and publish DAGs")
    wait_for_publication_covering(handle, PUBLISHED_TABLE, last_commit, since, timeout, interval=2)


def check_deadlines(handle, timeout: float) -> None:
    """Let the daily DAGs (late feeds, archive purge) run once now that the data is in, then wait until no run
    is queued or running, so the next `make up` finds nothing left over to run."""
    from outcomes.airflow_local import dag_runs, parse_time, unpause, wait_for, wait_until_idle

    say("checking delivery deadlines on the data's clock (late_feeds DAG); waiting for every run to finish")
    since = datetime.now(UTC)
    unpause(handle, [names.LATE_FEEDS_DAG, names.PURGE_ARCHIVE_DAG])
    try:  # the scheduler starts today's run at once, unless an earlier demo already ran it today
        wait_for(lambda: any(parse_time(r["queued_at"]) >= since for r in dag_runs(handle, names.LATE_FEEDS_DAG)
                             if r.get("queued_at")), 30, "the late_feeds run", interval=1)
    except TimeoutError:
        say("late_feeds already ran today: its alerts are from then")
    wait_until_idle(handle, timeout=timeout)


def print_alert_counts(settings: Settings) -> None:
    from collections import Counter

    from outcomes.alerts import read_alerts

    kinds = Counter(a.get("kind") for a in read_alerts(settings))
    if kinds:
        print("Alerts: " + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
              + " (`outcomes alerts` lists them; late_feed = one period just overdue, feed_backlog = several)")


def print_headlines(settings: Settings) -> None:
    """The latest month's headline value of every measure, for the system and each site."""
    from outcomes.headlines import format_headlines, latest_headlines, site_names

    print("\nHeadline values, latest month (warehouse, unrounded; partners get the disclosure-controlled "
          "publication measure_values):")
    print(format_headlines(latest_headlines(settings), site_names(settings.contracts_dir)), flush=True)


def print_summary(settings: Settings, handle_url: str, elapsed: float) -> None:
    from outcomes.status import status_report

    report = status_report(settings)
    t = report["totals"]
    print(f"\nDemo finished in {elapsed:.0f}s.\n", flush=True)
    print(f"Files: {t['files']} delivered, {t['loaded']} loaded, {t['rejected']} refused whole, "
          f"{t['duplicate']} duplicates skipped")
    print(f"Rows: {t['rows_received']:,} received, {t['rows_accepted']:,} accepted, "
          f"{t['rows_quarantined']:,} quarantined, {t['rows_opted_out']:,} removed (national data opt-out); "
          f"{t['redactions']:,} identifiers redacted from free text; "
          f"{t['rows_outside_england']:,} accepted rows are residents outside England (Wales)")
    for row in report["ledger"]:
        if row["status"] == "rejected":
            print(f"  refused: {row['reason']}")
    for pub in report["publications"]:
        print(f"Published: {pub['table']} {pub['version']}, {pub['rows']} rows")
    print_alert_counts(settings)
    if ROUTES:
        from outcomes.demo_routes import routes_summary

        print(f"How the feeds came:\n{routes_summary(ROUTES)}")
    print_headlines(settings)
    print("\nWhere everything is:")
    for label, path in [
        ("synthetic extracts", settings.synth_dir),
        ("identifiable zone (owner-only)", settings.identifiable_dir), ("landing folders", settings.landing_dir),
        ("archive of delivered files", settings.archive_dir),
        ("raw lake (Parquet batches)", settings.raw_dir), ("quarantine (rejected rows)", settings.quarantine_dir),
        ("load ledger", settings.ledger_dir), ("warehouse (dbt)", settings.warehouse_path),
        ("analyst snapshot (read-only)", settings.snapshot_path), ("publications", settings.publications_dir),
        ("outcomes report (open in a browser)", settings.report_dir / "index.html"),
        ("alerts", settings.alerts_path), ("Airflow home and logs", settings.airflow_home),
    ]:
        print(f"  {label:<36} {path}")
    print("\nNext: `outcomes status` shows each feed (`--files` each file), `outcomes quarantine` why rows were "
          "quarantined; `make up` starts Airflow with its UI at "
          f"{handle_url} (no login needed locally); `make test` runs every test.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    # Defaults keep the demo to a few minutes on 2 cores: a quarter of the system's population for three months
    # (every feed, every injected defect kind). `make demo DEMO_SCALE=1 DEMO_MONTHS=12` runs the full year.
    parser.add_argument("--scale", type=float, default=float(os.environ.get("DEMO_SCALE", "0.25")))
    parser.add_argument("--months", type=int, default=int(os.environ.get("DEMO_MONTHS", "3")))
    parser.add_argument("--feed", action="append", help="only these feed ids")
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("DEMO_TIMEOUT", "1500")))
    args = parser.parse_args(argv)

    from outcomes import airflow_local

    started = time.monotonic()
    prepare_environment()
    os.environ.setdefault(AS_OF_ENV, data_clock(DEMO_START, args.months))  # unless set by hand
    say(f"late feeds are judged on the data's clock: {AS_OF_ENV}={os.environ[AS_OF_ENV]}, the day after the last "
        "simulated month")
    settings = get_settings()
    files = generate_extracts(settings, args.scale, args.months, args.feed)
    say(f"preparing Airflow (metadata database and pools) in {settings.airflow_home}, and the empty warehouse")
    airflow_local.init(settings)
    from config.contracts import load_contracts
    from outcomes.demo_routes import start_mesh

    contracts = list(load_contracts(settings.contracts_dir))
    sandbox = start_mesh(settings, contracts, say)  # before Airflow, which inherits the connections
    try:
        handle = airflow_local.start(settings, paused=True)  # nothing scheduled runs before the data is there
    except BaseException:
        if sandbox is not None:
            sandbox.stop()
        raise
    try:
        say(f"starting scheduler, dag-processor, triggerer and api-server (logs in {settings.logs_dir})")
        airflow_local.wait_until_healthy(handle, timeout=180)
        dag_ids = [names.ingest_dag_id(c.feed_id) for c in contracts]
        dag_ids += [names.pull_dag_id(c.feed_id) for c in contracts if c.source.kind != "folder"]
        dag_ids += [names.TRANSFORM_DAG, names.PUBLISH_DAG]
        # files may land before the triggerer has started the watchers: a ready marker fires at their first scan
        airflow_local.wait_for_dags(handle, dag_ids, timeout=180, unpause_them=True)
        since = datetime.now(UTC)
        optouts = deliver(settings, files, optout=True, sandbox=sandbox)
        if optouts:
            say("dropped the national data opt-out list first, so every other feed is filtered by it")
            wait_for_ingest(settings, optouts, since, args.timeout)
        delivered = deliver(settings, files, optout=False, sandbox=sandbox)
        say(f"delivered {sum(len(v) for v in delivered.values())} files for {len(delivered)} feeds (MESH feeds are "
            "pulled by their pull DAGs); the asset watchers start the ingest DAGs")
        wait_for_pipeline(settings, handle, {**optouts, **delivered}, since, args.timeout)
        check_deadlines(handle, args.timeout)
        print_summary(settings, handle.url, time.monotonic() - started)
    except (TimeoutError, RuntimeError) as exc:
        print(f"\ndemo failed: {exc}\nAirflow logs: {settings.logs_dir}", file=sys.stderr)
        return 1
    finally:
        say("stopping the Airflow processes the demo started")
        airflow_local.stop(handle)
        if sandbox is not None:
            say("stopping the MESH sandbox")
            sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
