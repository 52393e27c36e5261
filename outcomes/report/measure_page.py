"""One page per measure: the monthly trend with its target and 95% band; sites and organisations against the best;
the value by IMD quintile with the slope index of inequality's line (outcomes/report/sii_line.py); and the
breakdowns by ethnic group, age band, sex, rurality and place, all from the published rows of ``measure_values``."""

from __future__ import annotations

from html import escape

import pandas as pd

from config.measures import Measure
from outcomes.report import charts, sii_line
from outcomes.report.headline import SYSTEM, Headline
from outcomes.report.html import Page
from outcomes.report.links import dictionary_page
from stats.inequality_summary import SII_SCALE

COLUMNS = ["area_code", "breakdown_value", "value", "lower_95", "upper_95", "numerator", "denominator"]
BREAKDOWNS = [("ethnic_group", "ethnic group"), ("age_band", "age band"), ("sex", "sex"), ("rurality", "rurality")]
QUINTILES = sii_line.QUINTILES
SII_VALUE_TYPES = tuple(SII_SCALE)


def _latest(values: pd.DataFrame, measure_id: str, period) -> pd.DataFrame:
    return values[(values["measure_id"] == measure_id) & (values["period_start"] == period)]


def _best_marked(rows: pd.DataFrame) -> pd.DataFrame:
    """``best`` = 'best' on the row(s) whose published value equals the published best value of their type."""
    best = rows["value"].notna() & rows["best_value"].notna() & (rows["value"] == rows["best_value"])
    return rows.assign(best=best.map({True: "best", False: "other"}))


def _comparisons(page: Page, latest: pd.DataFrame, h: Headline) -> None:
    unit = h.measure.unit
    for area_type, label in (("site", "site"), ("organisation", "organisation (provider)"), ("place", "place")):
        rows = latest[(latest["area_type"] == area_type) & (latest["breakdown"] == "all")]
        if rows.empty:
            continue
        rows = _best_marked(rows).sort_values("area_code")
        page.figure(f"By {label}, {h.period:%B %Y}", charts.compared(rows, unit, label, h.value),
                    rows[["area_code", "value", "lower_95", "upper_95", "best_value", "gap_to_best", "best",
                          "compared_to_system"]],
                    note="Dashed line: the system's value. ★ the best published value (levelling up to the best)."
                    if rows["best"].eq("best").any() else "Dashed line: the system's value.")


def _inequality(page: Page, latest: pd.DataFrame, h: Headline) -> None:
    rows = latest[(latest["area_type"] == SYSTEM) & (latest["breakdown"] == "imd_quintile")]
    page.add("<h2>Inequality by deprivation</h2>")
    if rows.empty:
        page.add('<p class="note">No published values by IMD quintile for this measure.</p>')
        return
    line = sii_line.fit(rows, h.measure.value_type)
    shown = sii_line.with_fitted(rows[rows["breakdown_value"].isin(QUINTILES)], line)
    # a difference of two percentages is in percentage points
    unit = "percentage points" if h.measure.unit == "percent" else charts.UNIT_LABEL.get(h.measure.unit, h.measure.unit)
    if line is not None:
        page.add(f'<p class="sii"><strong>{escape(line.caption(unit))}</strong></p>')
        note = "Orange line and diamonds: " + sii_line.NOTE + " Dashed line: the system's value."
    else:
        note = ("No SII line: " + ("a fifth's value, limits or denominator is not published (suppressed or missing)."
                                   if h.measure.value_type in SII_VALUE_TYPES else
                                   f"the SII is not computed for a {h.measure.value_type} measure.")
                + " Dashed line: the system's value.")
    page.figure(f"By IMD quintile (1 = most deprived fifth), {h.period:%B %Y}",
                charts.by_group(shown, h.measure.unit, "IMD quintile", h.value, QUINTILES),
                sii_line.with_fitted(rows, line)[[*COLUMNS[1:], "sii_line"]], note=note)


def _breakdowns(page: Page, latest: pd.DataFrame, h: Headline) -> None:
    page.add("<h2>Breakdowns</h2>")
    shown = 0
    for breakdown, label in BREAKDOWNS:
        rows = latest[(latest["area_type"] == SYSTEM) & (latest["breakdown"] == breakdown)]
        if rows.empty:
            continue
        page.figure(f"By {label}, {h.period:%B %Y}", charts.by_group(rows, h.measure.unit, label, h.value),
                    rows[COLUMNS[1:]], note="Dashed line: the system's value.")
        shown += 1
    if not shown:
        page.add('<p class="note">No published breakdowns for this measure and period.</p>')


def _about(m: Measure) -> str:
    target = f"{m.target.value:g}. Source of the target: {escape(m.target.source)}" if m.target else "none."
    return (f"<p>{escape(m.definition)}</p><p>Unit: {escape(charts.UNIT_LABEL.get(m.unit, m.unit))}; polarity: "
            f"{escape(m.polarity.replace('_', ' '))}; target: {target} "
            f'<a href="{dictionary_page(m.id)}">Definition, numerator, denominator and choices</a>.</p>')


def measure_page(values: pd.DataFrame, h: Headline) -> Page:
    m = h.measure
    page = Page(m.title)
    page.add(_about(m))
    if h.period is None:
        page.add('<p class="note">No published value yet.</p>')
        return page
    page.add("<h2>Trend</h2>")
    page.figure("Whole system, by period, with 95% confidence band" + (" and target" if h.target is not None else ""),
                charts.trend(h.trend, m.unit, h.target), h.trend[["period_start", "value", "lower_95", "upper_95",
                                                                  "numerator", "denominator", "meets_target"]])
    latest = _latest(values, m.id, h.period)
    page.add("<h2>Sites, organisations and places</h2>")
    _comparisons(page, latest, h)
    _inequality(page, latest, h)
    _breakdowns(page, latest, h)
    return page

