"""The data-quality page: files refused and why (the load ledger), rows quarantined by rule (``outcomes
quarantine``'s summaries, without example values), late feeds (the alerts log) and the caveats the quality gate
carried into each live publication's manifest."""

from __future__ import annotations

import altair as alt
import pandas as pd

from config.settings import Settings
from lake.ledger import read_entries
from outcomes.alerts import read_alerts
from outcomes.quarantine import summarise
from outcomes.report import charts
from outcomes.report.html import Page, table
from outcomes.report.published import Published

LATE_KINDS = ("late_feed", "feed_backlog")


def refused_files(settings: Settings) -> pd.DataFrame:
    rows = [{"feed": e["feed_id"], "file": e["file"], "received": e.get("received_at"), "rule": e.get("rule"),
             "why": e.get("reason")} for e in read_entries(settings) if e.get("status") == "rejected"]
    return pd.DataFrame(rows, columns=["feed", "file", "received", "rule", "why"])


def quarantined_rules(settings: Settings) -> pd.DataFrame:
    rows = [{"feed": s.feed_id, "rule": s.rule_id, "column": s.column, "rows": s.rows, "files": s.files,
             "message": s.message} for s in summarise(settings)]
    return pd.DataFrame(rows, columns=["feed", "rule", "column", "rows", "files", "message"])


def late_feeds(settings: Settings) -> pd.DataFrame:
    rows = [{"when": a.get("when"), "kind": a.get("kind"), "reason": a.get("reason")}
            for a in read_alerts(settings) if a.get("kind") in LATE_KINDS]
    return pd.DataFrame(rows, columns=["when", "kind", "reason"])


def _quarantine_chart(rules: pd.DataFrame) -> alt.Chart:
    data = rules.assign(feed_rule=rules["feed"] + ": " + rules["rule"])[["feed_rule", "rows"]]
    return (alt.Chart(data).mark_bar(color=charts.BLUE, height=14)
            .encode(x=alt.X("rows:Q", title="rows quarantined", axis=alt.Axis(format="d", tickMinStep=1)),
                    y=alt.Y("feed_rule:N", title=None, sort="-x", axis=alt.Axis(labelLimit=320)),
                    tooltip=charts.tips("feed_rule:N", "rows:Q"))
            .properties(width=charts.WIDTH - 240, height=alt.Step(20)))


def _section(page: Page, title: str, frame: pd.DataFrame, empty: str) -> None:
    page.add(f"<h2>{title}</h2>")
    page.add(table(frame) if not frame.empty else f'<p class="note">{empty}</p>')


def quality_page(settings: Settings, published: Published) -> Page:
    page = Page("Data quality")
    page.add("<p>What did not reach the figures and why. Refused files and quarantined rows are in the load "
             "ledger and the quarantine (<code>outcomes status</code>, <code>outcomes quarantine</code>); no "
             "personal value is shown here.</p>")
    _section(page, "Files refused", refused_files(settings), "No delivered file was refused.")
    rules = quarantined_rules(settings)
    page.add("<h2>Rows quarantined, by rule</h2>")
    if rules.empty:
        page.add('<p class="note">No rows are in quarantine.</p>')
    else:
        page.figure("Rows quarantined by feed and rule", _quarantine_chart(rules), rules)
    _section(page, "Late feeds", late_feeds(settings), "No late feed has been reported.")
    caveats = pd.DataFrame(published.caveats(), columns=["publication", "version", "caveat"])
    _section(page, "Caveats carried from the quality gate", caveats, "The live publications carry no caveats.")
    return page
