"""``outcomes status`` as text: one line per feed (or per file with ``--files``), then the totals and what is
published. Every record is one line; the last column (a refusal's reason) is cut to the terminal's width when
there is one, so a line never wraps, and left whole when the output goes to a file or a pipe."""

from __future__ import annotations

FEED_COLUMNS = ("latest", "loaded", "refused", "accepted", "quarantined", "opted out", "dup keys")
FILE_COLUMNS = ("status", "accepted", "quarantined", "opted out")


def n(value: object) -> str:
    return "-" if value is None else f"{value:,}"


def fit(text: str, width: int | None) -> str:
    """``text`` on one line, cut with an ellipsis to ``width`` characters (None: whole)."""
    line = " ".join(text.split())
    if width is None or len(line) <= width:
        return line
    return line[:max(width - 1, 0)] + "…"


def _row(cells: list[str], widths: list[int], tail: str, width: int | None, left: int) -> str:
    """Text columns (the first ``left``) aligned left, numbers right, then the free-text tail."""
    head = "  ".join(c.ljust(w) if i < left else c.rjust(w)
                     for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
    if not tail:
        return head.rstrip()
    return head + "  " + fit(tail, None if width is None else width - len(head) - 2)


def _table(header: list[str], rows: list[tuple[list[str], str]], tail_title: str, width: int | None,
           left: int) -> list[str]:
    widths = [max(len(cells[i]) for cells in [header, *(r for r, _ in rows)]) for i in range(len(header))]
    return [_row(header, widths, tail_title, width, left)] + [_row(c, widths, tail, width, left) for c, tail in rows]


def refusal_text(refusal: dict | None) -> str:
    if not refusal:
        return ""
    reason = (refusal.get("reason") or f"rule {refusal.get('rule')}").replace(": rejected by rule ", " ", 1)
    return reason if reason.startswith(refusal["file"]) else f"{refusal['file']} {reason}"


def feed_lines(report: dict, width: int | None = None) -> list[str]:
    """A header and one line per feed."""
    rows = [([f["feed_id"], f["latest_declared_period"] or "-", n(f["loaded"]), n(f["rejected"]),
              n(f["rows_accepted"]), n(f["rows_quarantined"]), n(f["rows_opted_out"]), n(f["superseded_keys"])],
             refusal_text(f["last_refusal"])) for f in report["feeds"]]
    if not rows:
        return ["no files delivered yet" + (f" for feed {report['feed']}" if report.get("feed") else "")]
    return _table(["feed", *FEED_COLUMNS], rows, "last refusal", width, left=2)


def file_lines(report: dict, width: int | None = None) -> list[str]:
    """A header and one line per delivered file, oldest first."""
    rows = []
    for r in report["ledger"]:
        loaded = r["status"] == "loaded"
        reason = r.get("reason") or ""
        if r.get("superseded_by"):
            reason = f"superseded by {r['superseded_by']}"
        elif r["status"] == "duplicate" and not reason:
            reason = f"same bytes as {r.get('duplicate_of') or 'an earlier delivery'}"
        rows.append(([(r.get("received_at") or "")[:16].replace("T", " "), r["feed_id"], r["file"], r["status"],
                      n(r.get("rows_accepted") if loaded else None), n(r.get("rows_rejected") if loaded else None),
                      n(r.get("rows_opted_out") if loaded else None)],
                     reason.replace(f"{r['file']}: rejected by rule ", "", 1)))
    if not rows:
        return ["no files delivered yet"]
    return _table(["received (UTC)", "feed", "file", *FILE_COLUMNS], rows, "reason", width, left=4)


def totals_line(report: dict) -> str:
    t = report["totals"]
    scope = f"feed {report['feed']}: " if report.get("feed") else ""
    return (f"{scope}{t['files']:,} files: {t['loaded']:,} loaded, {t['rejected']:,} refused, "
            f"{t['duplicate']:,} duplicate; rows accepted {t['rows_accepted']:,}, quarantined "
            f"{t['rows_quarantined']:,}, opted out {t['rows_opted_out']:,}, outside England "
            f"{t['rows_outside_england']:,}; identifiers redacted {t['redactions']:,}")


def publication_lines(report: dict) -> list[str]:
    pubs = report["publications"]
    if not pubs:
        return ["published: nothing yet"]
    return [f"published: {p['table']} {p['version']} ({n(p['rows'])} rows) at {p['path']}" for p in pubs]
