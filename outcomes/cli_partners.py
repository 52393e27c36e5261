"""The partner commands of ``outcomes``: deliveries, the read-only API and its tokens (share/, docs/partners.md).

``deliver`` and ``serve`` are registered on the main app by :mod:`outcomes.cli`; ``tokens`` is a sub-app.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from config.settings import get_settings
from outcomes.cli_conventions import fail, new_app, out

tokens_app = new_app(help="Partner API tokens: stored only as hashes.")


def deliver(
    partner: Annotated[list[str] | None, typer.Option("--partner", help="Only these partners (repeatable).")] = None,
) -> None:
    """Deliver the live publications to each partner, as its data-sharing agreement allows. Exit 1 if any
    partner was refused (the reason is printed)."""
    from share.agreements import load_checked
    from share.deliver import deliver as deliver_one

    settings = get_settings()
    agreements = load_checked(settings)
    results = [deliver_one(p, settings, agreements=agreements) for p in (partner or sorted(agreements))]
    for r in results:
        colour = {"delivered": "green", "unchanged": "yellow", "refused": "red"}[r.status]
        out.print(f"[{colour}]{r.status}[/] {r.partner} {r.version or ''}: {r.reason}", highlight=False)
    if any(r.status == "refused" for r in results):
        raise typer.Exit(1)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the read-only partner API with uvicorn (OpenAPI docs at /docs)."""
    import uvicorn

    from share.api import create_app

    uvicorn.run(create_app(get_settings()), host=host, port=port)


@tokens_app.command("issue")
def tokens_issue(
    partner: Annotated[str, typer.Argument(help="The partner (its agreement's file name).")],
    days: Annotated[int, typer.Option(help="Days until the token expires.")] = 90,
) -> None:
    """Issue a token for a partner with an agreement; it is printed once and only its hash is kept."""
    from share.agreements import load_checked
    from share.tokens import issue

    settings = get_settings()
    if partner not in load_checked(settings):
        fail(f"no data-sharing agreement for partner {partner!r} in {settings.agreements_dir}")
    print(issue(settings, partner, days))


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[str, typer.Argument(help="The token's id (before the dot).")]) -> None:
    """Revoke a token: refused from the next request on."""
    from share.tokens import revoke

    try:
        record = revoke(get_settings(), token_id)
    except KeyError as exc:
        fail(str(exc.args[0]))
    out.print(f"revoked {record.token_id} ({record.partner})", highlight=False)


@tokens_app.command("list")
def tokens_list() -> None:
    """Every token: id, partner, issued, expires, state (never the secret or its hash)."""
    import datetime as dt

    from share.tokens import read_tokens

    now = dt.datetime.now(dt.UTC)
    table = Table(title="Partner API tokens")
    for col in ("id", "partner", "issued (UTC)", "expires (UTC)", "state"):
        table.add_column(col)
    for r in read_tokens(get_settings()):
        table.add_row(r.token_id, r.partner, r.issued_at[:16], r.expires_at[:16], r.state(now))
    out.print(table)
