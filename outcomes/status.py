"""What loaded, what was rejected, what is published: read from the ledger, quarantine and publication folders."""

from __future__ import annotations

from pathlib import Path

from ingest.ledger import read_entries
from outcomes.settings import Settings, get_settings


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
        "rows_outside_england": sum(r.get("rows_outside_england") or 0 for r in rows if r["status"] == "loaded"),
    }
    return {"work_dir": str(settings.work_dir), "totals": totals, "ledger": rows,
            "publications": publications(settings), "warehouse": str(settings.warehouse_path),
            "snapshot": str(settings.snapshot_path) if Path(settings.snapshot_path).exists() else None}
