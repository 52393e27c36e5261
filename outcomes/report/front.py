"""The front page: every measure's latest published value for the system against its target, the direction of
travel, the gap between the most and least deprived fifth, and a small trend line, as one scannable table."""

from __future__ import annotations

from html import escape

import pandas as pd

from outcomes.report import charts
from outcomes.report.headline import Headline
from outcomes.report.html import Page, table
from outcomes.report.links import measure_page


def _status(h: Headline) -> str:
    if h.meets_target is None:
        return "no target" if h.target is None else ""
    return '<span class="good">✔ meets target</span>' if h.meets_target else '<span class="bad">✘ misses target</span>'


def _direction(h: Headline) -> str:
    arrow = {"improving": "▲ ", "worsening": "▼ ", "up": "↑ ", "down": "↓ "}.get(h.direction, "")
    change = f" ({h.change:+,.1f})" if h.change is not None else ""
    return escape(f"{arrow}{h.direction}{change}")


def front_page(headlines: list[Headline]) -> Page:
    page = Page("Outcomes and inequalities: latest values")
    page.add('<p>Each measure\'s latest published value for the whole system, against its target; the direction '
             'of travel since the previous period (improving or worsening by the measure\'s polarity); the gap '
             'between the most deprived fifth of the population (IMD quintile 1) and the least deprived (quintile '
             '5), in the measure\'s unit; and its trend. Published, disclosure-controlled figures only. Select a '
             'measure for its trend, sites, inequalities and breakdowns.</p>')
    rows = []
    for h in headlines:
        m = h.measure
        trend = page.chart_div(charts.sparkline(h.trend), f"trend of {m.title}") if h.value is not None else ""
        rows.append({
            "measure": f'<a href="{measure_page(m.id)}">{escape(m.title)}</a>',
            "period": h.period.strftime("%b %Y") if h.period is not None else "not published",
            "value": h.value, "unit": charts.UNIT_LABEL.get(m.unit, m.unit), "target": h.target,
            "against target": _status(h), "direction of travel": _direction(h),
            "gap, most minus least deprived fifth": h.gap, "trend": trend,
        })
    frame = pd.DataFrame(rows)
    page.add(table(frame, "Latest value of every measure, whole system",
                   raw={"measure", "against target", "direction of travel", "trend"}))
    numbers = pd.concat([h.trend.assign(measure=h.measure.id) for h in headlines if not h.trend.empty],
                        ignore_index=True) if headlines else pd.DataFrame()
    if not numbers.empty:
        numbers = numbers[["measure", "period_start", "value", "lower_95", "upper_95"]]
        page.add("<details><summary>The numbers behind the trend lines</summary>"
                 f"{table(numbers)}</details>")
    page.add(f'<p class="note">{len(headlines)} measures. A value left empty is suppressed by disclosure control '
             "(or not yet published).</p>")
    return page
