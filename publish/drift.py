"""Drift: a candidate against the version partners have now, figure by figure, validated by ``<suite>.drift``.

For each measure and period of the live version, three figures: the number of rows, the headline volume (the
``gate.volume`` count summed over the ``gate.headline_rows``) and the headline value (``gate.value`` on those rows,
when declared). The allowed range is derived at run time from the live figure and the measure's tolerance in the
registry (``drift:`` in measures/<id>.yaml; a table without a measure column declares one in its spec):
live x (1 - tolerance) to live / (1 - tolerance), the same distance either way on a ratio scale (25%: a fall to
75% or a rise to 133%). A period missing from the candidate has 0 rows and volume.

A change the ledger explains passes, and the row names the file: when a feed of the measure delivered a file for
that period after the live version (loaded after the build it was published from) that replaced an earlier delivery
(a resubmission), the range widens to take in the candidate's figure either way; when the file was a first delivery
for that period (a trust's month arriving after another's, or late rows), only the upper bounds of rows and volume
widen (new rows add; a fall is still a fall) and the headline value may move either way.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from config.measures import Drift, load_measures
from config.settings import Settings
from lake.ledger import read_entries
from publish.coverage import as_date, table_feeds
from publish.spec import TableSpec

COLUMNS = ["measure_id", "period_start", "figure", "live", "candidate", "lowest_allowed", "highest_allowed",
           "detail"]


def figures(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """measure_id, period_start, figure, amount: the rows, headline volume and headline value of each period."""
    g = spec.gate
    measure = f'"{g.measure}"' if g.measure else f"'{spec.name}'"
    value = f'avg("{g.value}") filter (where {g.headline_rows})' if g.value else "null"
    return duckdb.query_df(frame, "t", f"""
        with by_period as (
            select {measure} as measure_id, cast("{g.period}" as date) as period_start,
                   count(*)::double as "rows",
                   sum("{g.volume}") filter (where {g.headline_rows})::double as volume,
                   {value}::double as "value"
            from t group by all)
        unpivot by_period on "rows", volume, "value" into name figure value amount""").df()


def tolerances(spec: TableSpec, settings: Settings) -> dict[str, Drift]:
    if not spec.gate.measure:
        return {spec.name: spec.gate.drift}
    return {m.id: m.drift for m in load_measures(settings.measures_dir, settings.contracts_dir)}


def check_drift(candidate: pd.DataFrame, live: pd.DataFrame | None, live_created_at: str | None,
                spec: TableSpec, settings: Settings, live_built_upto: str | None = None) -> pd.DataFrame:
    """One row per measure x period x figure of the live version (empty before the first publication).
    ``live_built_upto``: the build watermark the live version was published from (its manifest's
    ``source.built_upto``), which says which deliveries came after it."""
    if live is None or live.empty:
        return pd.DataFrame(columns=COLUMNS)
    before = figures(live, spec)
    after = figures(candidate, spec)
    merged = before.merge(after, on=["measure_id", "period_start", "figure"], how="left", suffixes=("_live", ""))
    missing = merged["amount"].isna() & merged["figure"].isin(["rows", "volume"])
    merged.loc[missing, "amount"] = 0.0
    merged = merged.dropna(subset=["amount", "amount_live"])
    allowed = tolerances(spec, settings)
    since = _deliveries_since(spec, sorted(merged["measure_id"].unique()), live_created_at, settings,
                              live_built_upto)
    out = []
    for r in merged.itertuples(index=False):
        tolerance = getattr(allowed.get(r.measure_id) or Drift(), r.figure)
        low, high = r.amount_live * (1 - tolerance), r.amount_live / (1 - tolerance)
        detail = f"{r.figure} {r.amount_live:g} live, {r.amount:g} now; tolerance {tolerance:.0%}"
        period = as_date(r.period_start)
        delivered = since.get((r.measure_id, period.replace(day=1)), {})
        if delivered.get("resubmission") or (delivered.get("delivery") and r.figure == "value"):
            low, high = min(low, r.amount), max(high, r.amount)
        elif delivered.get("delivery"):  # new rows only add: a fall is still a fall
            high = max(high, r.amount)
        for kind, files in sorted(delivered.items()):
            detail += f"; {kind} after the live version: {', '.join(files)}"
        out.append({"measure_id": r.measure_id, "period_start": period.isoformat(), "figure": r.figure,
                    "live": float(r.amount_live), "candidate": float(r.amount), "lowest_allowed": low,
                    "highest_allowed": high, "detail": detail})
    return pd.DataFrame(out, columns=COLUMNS)


def _deliveries_since(spec: TableSpec, measures: list[str], since: str | None, settings: Settings,
                      built_upto: str | None = None) -> dict[tuple[str, dt.date], dict[str, list[str]]]:
    """(measure, month) -> {"resubmission": files that replaced an earlier delivery of that month, "delivery":
    other files with rows for that month}, delivered by the measure's feeds after the live version: loaded after
    the build it was published from (a batch id past ``built_upto``), or, for a version that did not record
    its build, received after ``since`` (its creation). A file received before the live version was published
    can still be missing from it: loaded while the build that fed it was running."""
    after = dt.datetime.fromisoformat(since) if since else None
    ledger = [e for e in read_entries(settings) if e["status"] == "loaded"]
    replaced = {(e["feed_id"], e["declared_period"]) for e in ledger if e.get("superseded_by")}

    def later_than_live(entry: dict) -> bool:
        if built_upto:
            return entry["batch_id"] > built_upto
        return after is None or dt.datetime.fromisoformat(str(entry["received_at"])) > after

    later = [e for e in ledger if e.get("current") and later_than_live(e)]
    out: dict[tuple[str, dt.date], dict[str, list[str]]] = {}
    for measure, feeds in table_feeds(spec, measures, settings).items():
        for e in (e for e in later if e["feed_id"] in feeds):
            declared = e.get("declared_period")
            for period in e.get("periods") or [declared]:
                if period:
                    kind = "resubmission" if period == declared and (e["feed_id"], declared) in replaced \
                        else "delivery"
                    month = as_date(period).replace(day=1)
                    out.setdefault((measure, month), {}).setdefault(kind, []).append(e["file"])
    return out
