"""The Core20PLUS5 page: for every measure, the most deprived 20% of the national population (Core20) against the
rest, and people on the learning disability and severe mental illness registers against those not on them, from
the published ``measure_values`` rows (system, latest period). The measures the registry ties to a Core20PLUS5
clinical area come first."""

from __future__ import annotations

from html import escape

import pandas as pd

from config.measures import Measure
from outcomes.report import charts
from outcomes.report.headline import SYSTEM, Headline
from outcomes.report.html import Page
from outcomes.report.links import measure_page

# (breakdown, focus value, focus label, comparator value, comparator label)
COMPARISONS = [("core20", "core20", "Core20", "rest", "rest of the population"),
               ("learning_disability", "yes", "learning disability register", "no", "not on the register"),
               ("smi", "yes", "severe mental illness register", "no", "not on the register")]
NOT_PUBLISHED = ("marts.core20plus5 (with the gaps and their comparison) is not a partner publication, so this page "
                 "is built from the published measure_values rows by Core20, learning disability and SMI; "
                 "compare the 95% limits to judge a gap.")


def comparison_rows(values: pd.DataFrame, headlines: list[Headline], breakdown: str, focus: str, focus_label: str,
                    other: str, other_label: str) -> pd.DataFrame:
    """One row per measure and side: the system's published value of the focus group and of its comparator in
    the measure's latest period (percentages only: the page compares shares)."""
    rows = []
    for h in headlines:
        if h.period is None or h.measure.unit != "percent":
            continue
        found = values[(values["measure_id"] == h.measure.id) & (values["area_type"] == SYSTEM)
                       & (values["breakdown"] == breakdown) & (values["period_start"] == h.period)
                       & (values["breakdown_value"].isin([focus, other]))]
        for _, r in found.iterrows():
            rows.append({"measure_id": h.measure.id, "title": _title(h.measure), "period_start": h.period,
                         "group": focus_label if r["breakdown_value"] == focus else other_label,
                         "value": r["value"], "lower_95": r["lower_95"], "upper_95": r["upper_95"],
                         "numerator": r["numerator"], "denominator": r["denominator"]})
    return pd.DataFrame(rows)


def _title(m: Measure) -> str:
    return f"[{m.core20plus5_area.replace('_', ' ')}] {m.title}" if m.core20plus5_area else m.title


def core20_page(values: pd.DataFrame, headlines: list[Headline]) -> Page:
    page = Page("Core20PLUS5")
    page.add("<p>Core20PLUS5 is NHS England's approach to reducing health inequalities: the most deprived 20% of "
             "the national population (Core20), groups the system chooses (PLUS: here the learning disability and "
             "severe mental illness registers), and five clinical areas. Measures the registry ties to a clinical "
             "area are labelled with it in brackets and listed first.</p>")
    page.add(f'<p class="note">{escape(NOT_PUBLISHED)}</p>')
    tied = [h for h in headlines if h.measure.core20plus5_area] + [h for h in headlines
                                                                    if not h.measure.core20plus5_area]
    for breakdown, focus, focus_label, other, other_label in COMPARISONS:
        rows = comparison_rows(values, tied, breakdown, focus, focus_label, other, other_label)
        page.add(f"<h2>{escape(focus_label[0].upper() + focus_label[1:])} against {escape(other_label)}</h2>")
        if rows.empty:
            page.add('<p class="note">No published values for this comparison.</p>')
            continue
        page.figure(f"{focus_label} against {other_label}, whole system, latest period of each measure",
                    charts.focus_vs_rest(rows, focus_label, other_label), rows.drop(columns=["measure_id"]))
        links = ", ".join(f'<a href="{measure_page(i)}">{escape(i)}</a>' for i in rows["measure_id"].unique())
        page.add(f'<p class="note">Measure pages: {links}</p>')
    return page
