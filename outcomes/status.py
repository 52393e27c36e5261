"""What loaded, what was rejected, what is published: read from the ledger, quarantine and publication folders."""

from __future__ import annotations

from pathlib import Path

from config.settings import Settings, get_settings
from lake.ledger import read_entries


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


def feed_summaries(rows: list[dict], settings: Settings) -> list[dict]:
    """One line per feed: deliveries, the current ones and their rows (of which residents outside England),
    superseded keys."""
    keys = superseded_keys(settings)
    feeds: dict[str, dict] = {}
    for r in rows:
        f = feeds.setdefault(r["feed_id"], {"feed_id": r["feed_id"], "files": 0, "loaded": 0, "rejected": 0,
                                            "current_deliveries": 0, "current_rows_accepted": 0,
                                            "current_rows_outside_england": 0, "latest_declared_period": None})
        f["files"] += 1
        f["loaded"] += r["status"] == "loaded"
        f["rejected"] += r["status"] == "rejected"
        if r.get("current"):
            f["current_deliveries"] += 1
            f["current_rows_accepted"] += r.get("rows_accepted") or 0
            f["current_rows_outside_england"] += r.get("rows_outside_england") or 0
            f["latest_declared_period"] = max(filter(None, [f["latest_declared_period"], r.get("declared_period")]),
                                              default=None)
    for f in feeds.values():
        f["superseded_keys"] = keys.get(f["feed_id"])
    return sorted(feeds.values(), key=lambda f: f["feed_id"])


def status_report(settings: Settings | None = None) -> dict:
    settings = settings or get_settings()
    rows = ledger_rows(settings)
    totals = {
        "files": len(rows),
        "loaded": sum(r["status"] == "loaded" for r in rows),
        "rejected": sum(r["status"] == "rejected" for r in rows),
        "duplicate": sum(r["status"] == "duplicate" for r in rows),
        "rows_received": sum(r.get("rows_received") or 0 for r in rows if r["status"] == "loaded"),
        "rows_accepted": sum(r.get("rows_accepted") or 0 for r in rows if r["status"] == "loaded"),
        "rows_quarantined": sum(r.get("rows_rejected") or 0 for r in rows if r["status"] == "loaded"),
        "rows_opted_out": sum(r.get("rows_opted_out") or 0 for r in rows if r["status"] == "loaded"),
        "redactions": sum(sum((r.get("redactions") or {}).values()) for r in rows if r["status"] == "loaded"),
        "rows_outside_england": sum(r.get("rows_outside_england") or 0 for r in rows if r["status"] == "loaded"),
    }
    from publish.gx_project import docs_index

    docs = docs_index(settings)
    return {"work_dir": str(settings.work_dir), "totals": totals,
            "data_docs": docs.as_uri() if docs.exists() else None, "feeds": feed_summaries(rows, settings),
            "ledger": rows,
            "publications": publications(settings), "warehouse": str(settings.warehouse_path),
            "snapshot": str(settings.snapshot_path) if Path(settings.snapshot_path).exists() else None}
