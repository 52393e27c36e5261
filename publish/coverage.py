"""Completeness and delivered periods: what a candidate should hold, judged against the ledger and the registry.

One row per check, validated by the ``<suite>.coverage`` expectations (``publish.suites``):

- ``completeness``: every expected organisation x measure x period. Expected: the organisations sending the
  measure's feeds (their contracts) that publish it in the candidate or the live version, for every period the
  measure has in the candidate (months in between included). ``present``; ``explained`` when a file of that
  organisation's feed for that period was refused (the ledger names it, and the reason becomes a caveat in the
  manifest); else ``missing``, which fails the gate.
- ``exclusion``: no published row is one the spec's declared rule leaves out (``excluded`` fails).
- ``period``: every published measure x period lies inside the periods its feeds delivered (the ledger's
  ``periods`` of loaded files, from the first day of the earliest to the last day of the month of the latest):
  ``inside`` or ``outside`` (fails).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from config.contracts import load_contracts
from config.measures import load_measures
from config.settings import Settings
from lake.ledger import read_entries
from publish.spec import TableSpec

COLUMNS = ["check", "measure_id", "organisation", "period_start", "status", "detail"]


@dataclass(frozen=True)
class Coverage:
    frame: pd.DataFrame  # COLUMNS, one row per check
    caveats: list[dict] = field(default_factory=list)  # the explained gaps, for the manifest


def table_feeds(spec: TableSpec, measure_ids: list[str], settings: Settings) -> dict[str, list[str]]:
    """The feeds behind each measure of the table (one pseudo-measure, the table's name, without a measure column)."""
    if not spec.gate.measure:
        return {spec.name: list(spec.gate.feeds)}
    registry = {m.id: m for m in load_measures(settings.measures_dir, settings.contracts_dir)}
    return {m: list(registry[m].source_feeds) for m in measure_ids if m in registry}


def _cells(frame: pd.DataFrame, spec: TableSpec, where: str = "true") -> pd.DataFrame:
    """measure_id, organisation, period_start, period_end of the rows matching ``where`` (DuckDB over the frame)."""
    g = spec.gate
    measure = f'"{g.measure}"' if g.measure else f"'{spec.name}'"
    end = f'"{g.period_end}"' if g.period_end else f'last_day("{g.period}")'
    return duckdb.query_df(frame, "candidate", f"""
        select distinct {measure} as measure_id, "{g.organisation}" as organisation,
               cast("{g.period}" as date) as period_start, cast({end} as date) as period_end
        from candidate where {where}""").df()


def check_coverage(candidate: pd.DataFrame, spec: TableSpec, settings: Settings,
                   live: pd.DataFrame | None = None) -> Coverage:
    rows = _cells(candidate, spec)
    feeds = table_feeds(spec, sorted(rows["measure_id"].unique()), settings)
    organisation_of = {c.feed_id: c.organisation for c in load_contracts(settings.contracts_dir)}
    ledger = read_entries(settings)
    published = _cells(candidate, spec, spec.gate.organisation_rows)
    seen = published if live is None else pd.concat([published, _cells(live, spec, spec.gate.organisation_rows)])
    checks: list[dict] = []
    caveats: list[dict] = []
    for measure, measure_feeds in feeds.items():
        periods = _expected_periods(rows[rows["measure_id"] == measure])
        orgs = sorted({organisation_of[f] for f in measure_feeds}
                      & set(seen.loc[seen["measure_id"] == measure, "organisation"]))
        mine = published[published["measure_id"] == measure]
        have = {(org, as_date(start)) for org, start in zip(mine["organisation"], mine["period_start"], strict=True)}
        for org in orgs:
            org_feeds = [f for f in measure_feeds if organisation_of[f] == org]
            for start, end in periods:
                if (org, start) in have:
                    continue
                refused = _refusals(ledger, org_feeds, start, end)
                latest = _latest_delivered(ledger, org_feeds)
                row = {"check": "completeness", "measure_id": measure, "organisation": org, "period_start": start}
                if refused or (latest is not None and latest < start):
                    detail = "; ".join(f"{e['file']} was refused ({e.get('rule')}): {e.get('reason')}"
                                       for e in refused) or (f"nothing delivered for it yet (the latest delivery "
                                                             f"of {', '.join(org_feeds)} is for {latest:%B %Y})")
                    checks.append({**row, "status": "explained", "detail": detail})
                    caveats.append({"measure_id": measure, "organisation": org, "period_start": start.isoformat(),
                                    "caveat": f"{org} has no rows for {start:%B %Y}: {detail}"})
                else:
                    checks.append({**row, "status": "missing", "detail": f"no rows for {org} in {start:%B %Y} and "
                                   "no refused or late file in the ledger explains it"})
        checks += _period_checks(rows[rows["measure_id"] == measure], measure, measure_feeds, ledger)
    checks += _excluded_rows(candidate, spec)
    frame = pd.DataFrame(checks, columns=COLUMNS)
    frame["period_start"] = frame["period_start"].map(lambda d: d.isoformat() if isinstance(d, dt.date) else d)
    return Coverage(frame=frame.astype({"period_start": "object"}), caveats=caveats)


def _excluded_rows(candidate: pd.DataFrame, spec: TableSpec) -> list[dict]:
    """Rows the spec's declared rule leaves out that are in the candidate all the same (status ``excluded``)."""
    if spec.exclude is None:
        return []
    keys = ", ".join(f'"{k}"' for k in spec.keys)
    rule = f"coalesce(({spec.exclude.where}), false)"
    found = duckdb.query_df(candidate, "candidate", f"select {keys} from candidate where {rule}").fetchall()
    return [{"check": "exclusion", "measure_id": None, "organisation": None, "period_start": None,
             "status": "excluded", "detail": f"row {dict(zip(spec.keys, row, strict=True))} is published though the "
             f"rule '{spec.exclude.where}' leaves it out ({' '.join(spec.exclude.reason.split())})"}
            for row in found]


def _expected_periods(rows: pd.DataFrame) -> list[tuple[dt.date, dt.date]]:
    """The measure's periods in the candidate; monthly periods with any missing months between them filled in."""
    found = sorted({(as_date(s), as_date(e)) for s, e in zip(rows["period_start"], rows["period_end"], strict=True)})
    if not found or not all(s.day == 1 and e == _month_end(s) for s, e in found):
        return found
    months, start = [], found[0][0]
    while start <= found[-1][0]:
        months.append((start, _month_end(start)))
        start = _month_end(start) + dt.timedelta(days=1)
    return months


def _refusals(ledger: list[dict], feeds: list[str], start: dt.date, end: dt.date) -> list[dict]:
    """Refused files of ``feeds`` declaring a period inside [start, end], when no loaded file delivered it."""
    def in_period(entry: dict) -> bool:
        declared = entry.get("declared_period")
        return bool(declared) and start <= dt.date.fromisoformat(str(declared)[:10]) <= end

    mine = [e for e in ledger if e["feed_id"] in feeds and in_period(e)]
    if any(e.get("current") for e in mine):
        return []
    return [e for e in mine if e["status"] == "rejected"]


def _latest_delivered(ledger: list[dict], feeds: list[str]) -> dt.date | None:
    """The latest period any current delivery of ``feeds`` covers (None: nothing delivered)."""
    periods = [as_date(p) for e in ledger if e["feed_id"] in feeds and e.get("current")
               for p in (e.get("periods") or [e.get("declared_period")]) if p]
    return max(periods, default=None)


def _period_checks(rows: pd.DataFrame, measure: str, feeds: list[str], ledger: list[dict]) -> list[dict]:
    delivered = sorted(as_date(p) for e in ledger if e["feed_id"] in feeds and e.get("current")
                       for p in (e.get("periods") or [e.get("declared_period")]) if p)
    checks = []
    # months, at both ends: a weekly feed's first delivered week (say 6 April) still delivers April, as its last
    # week delivers its whole month
    first, last = (delivered[0].replace(day=1), _month_end(delivered[-1])) if delivered else (None, None)
    for start, end in sorted({(as_date(s), as_date(e)) for s, e in zip(rows["period_start"], rows["period_end"],
                                                                   strict=True)}):
        inside = first is not None and first <= start and end <= last
        where = f"delivered {first} to {last}" if first else f"no delivery of {', '.join(feeds)} in the ledger"
        checks.append({"check": "period", "measure_id": measure, "organisation": None, "period_start": start,
                       "status": "inside" if inside else "outside",
                       "detail": f"period {start} to {end}; {where}"})
    return checks


def as_date(value) -> dt.date:
    """A date from a date, timestamp or ISO text."""
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])
