"""The ``outcomes contracts`` and ``outcomes sources`` sub-apps: feed contracts (validate them, regenerate what
is derived from them) and the source systems they declare. :mod:`outcomes.cli` adds both to the main app."""

from __future__ import annotations

import typer
from rich.table import Table

from config.settings import get_settings
from outcomes.cli_conventions import fail, new_app, out

contracts_app = new_app(help="Feed contracts: validate them and regenerate what is derived from them.")
sources_app = new_app(help="Source systems the pull DAGs fetch from (MESH, SFTP, SQL).")


@contracts_app.command("check")
def contracts_check() -> None:
    """Validate every contract and measure declaration and check the generated files are current."""
    from config.contracts import ContractError, load_contracts
    from config.measures import MeasureError, load_measures
    from publish.suites import sync as sync_suites
    from transform.sources import sync

    settings = get_settings()
    try:
        contracts = load_contracts(settings.contracts_dir)
        measures = load_measures(settings.measures_dir, settings.contracts_dir)
    except (ContractError, MeasureError) as exc:
        fail(str(exc))
    if not sync(settings, check=True) or not sync_suites(settings, check=True):
        fail("generated files are out of date with the contracts or the measure registry: "
             "run `outcomes contracts sync`")
    out.print(f"{len(contracts)} contracts and {len(measures)} measures valid; generated files current")


@contracts_app.command("sync")
def contracts_sync() -> None:
    """Regenerate the dbt sources, lake models, measure models, measure pages and the quality gate's suites from
    the contracts, the measure registry and the publication specs."""
    from publish.suites import sync as sync_suites
    from transform.sources import sync

    sync(get_settings())
    sync_suites(get_settings())
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
