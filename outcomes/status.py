"""What loaded, what was rejected, what is published: read from the ledger, quarantine and publication folders."""

from __future__ import annotations

from pathlib import Path

from config.settings import Settings, get_settings
from lake.ledger import read_entries


class UnknownFeed(ValueError):
    """A feed id that no contract declares; the message lists the ones that exist."""


def known_feeds(settings: Settings) -> list[str]:
    from config.contracts import load_contracts

    return sorted(c.feed_id for c in load_contracts(settings.contracts_dir))


def check_feed(settings: Settings, feed: str | None) -> None:
    """Raise UnknownFeed unless ``feed`` is None or a declared feed id."""
    if feed is None:
        return
    feeds = known_feeds(settings)
    if feed not in feeds:
        raise UnknownFeed(f"no feed {feed!r}: the contracts declare {', '.join(feeds)}")


def ledger_rows(settings: Settings | None = None, feed: str | None = None) -> list[dict]:
    settings = settings or get_settings()
    rows = [e for e in read_entries(settings) if feed is None or e["feed_id"] == feed]
    return sorted(rows, key=lambda e: e["batch_id"])


def publications(settings: Settings | None = None) -> list[dict]:
    """The live version of every published table (``publish.run.latest``)."""
    from publish.run import latest

    settings = settings or get_settings()
    root = settings.publications_dir
    tables = sorted(p.parent.name for p in root.glob("*/LATEST")) if root.exists() else []
    out: list[dict] = []
    for live in filter(None, (latest(t, settings) for t in tables)):
        out.append({"table": live.table, "version": live.version, "path": str(live.path),
                    "rows": live.manifest.get("rows"), "created_at": live.manifest.get("created_at")})
    return out


def superseded_keys(settings: Settings) -> dict[str, int]:
    """Primary keys delivered in more than one current delivery, per feed, as of the last build (the later
    delivery's row is the one kept: these are reported, never double counted). Empty before the first build."""
    if not Path(settings.snapshot_path).exists():
        return {}
    import duckdb

    try:
        with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
            return dict(con.sql("select feed_id, superseded_keys from lake.superseded_keys").fetchall())
    except duckdb.Error:  # a snapshot built before the lake schema existed
        return {}


def _loaded_sum(rows: list[dict], field: str) -> int:
    return sum(r.get(field) or 0 for r in rows if r["status"] == "loaded")


def feed_summaries(rows: list[dict], settings: Settings) -> list[dict]:
    """One entry per feed: files loaded, refused and duplicate; rows accepted, quarantined and opted out (loaded
    files); the current deliveries (those the warehouse uses); the latest declared period; duplicate keys as of
    the last build; the last refusal's reason."""
    keys = superseded_keys(settings)
    by_feed: dict[str, list[dict]] = {}
    for r in rows:
        by_feed.setdefault(r["feed_id"], []).append(r)
    out = []
    for feed_id, mine in sorted(by_feed.items()):
        current = [r for r in mine if r.get("current")]
        refused = [r for r in mine if r["status"] == "rejected"]
        last_refusal = max(refused, key=lambda r: r.get("finished_at") or r["batch_id"], default=None)
        out.append({
            "feed_id": feed_id, "files": len(mine),
            "loaded": sum(r["status"] == "loaded" for r in mine), "rejected": len(refused),
            "duplicate": sum(r["status"] == "duplicate" for r in mine),
            "rows_accepted": _loaded_sum(mine, "rows_accepted"), "rows_quarantined": _loaded_sum(mine, "rows_rejected"),
            "rows_opted_out": _loaded_sum(mine, "rows_opted_out"),
            "current_deliveries": len(current),
            "current_rows_accepted": sum(r.get("rows_accepted") or 0 for r in current),
            "current_rows_outside_england": sum(r.get("rows_outside_england") or 0 for r in current),
            "latest_declared_period": max(filter(None, (r.get("declared_period") for r in current)), default=None),
            "superseded_keys": keys.get(feed_id),
            "last_refusal": last_refusal and {"file": last_refusal["file"], "rule": last_refusal.get("rule"),
                                              "at": last_refusal.get("finished_at"),
                                              "reason": last_refusal.get("reason")},
        })
    return out


def totals(rows: list[dict]) -> dict:
    return {
        "files": len(rows),
        "loaded": sum(r["status"] == "loaded" for r in rows),
        "rejected": sum(r["status"] == "rejected" for r in rows),
        "duplicate": sum(r["status"] == "duplicate" for r in rows),
        "rows_received": _loaded_sum(rows, "rows_received"),
        "rows_accepted": _loaded_sum(rows, "rows_accepted"),
        "rows_quarantined": _loaded_sum(rows, "rows_rejected"),
        "rows_opted_out": _loaded_sum(rows, "rows_opted_out"),
        "redactions": sum(sum((r.get("redactions") or {}).values()) for r in rows if r["status"] == "loaded"),
        "rows_outside_england": _loaded_sum(rows, "rows_outside_england"),
    }


def status_report(settings: Settings | None = None, feed: str | None = None) -> dict:
    """The ledger, per-feed summaries, totals, the quality gate's Data Docs and publications; ``feed`` limits the
    ledger, the feeds and the totals to one feed (UnknownFeed when no contract declares it)."""
    from publish.gx_project import docs_index

    settings = settings or get_settings()
    check_feed(settings, feed)
    rows = ledger_rows(settings, feed)
    docs = docs_index(settings)
    return {"work_dir": str(settings.work_dir), "feed": feed, "totals": totals(rows),
            "data_docs": docs.as_uri() if docs.exists() else None,
            "feeds": feed_summaries(rows, settings), "ledger": rows,
            "publications": publications(settings), "warehouse": str(settings.warehouse_path),
            "snapshot": str(settings.snapshot_path) if Path(settings.snapshot_path).exists() else None}
