"""The report's charts as Vega-Lite specifications (Altair), each drawn from the same small frame its table shows.

Colours are the Okabe-Ito palette, which stays distinct for the common colour-vision deficiencies; no chart
relies on colour alone (the best site is also marked with a symbol and named in the table).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import altair as alt
import pandas as pd
from altair.vegalite.data import default_data_transformer

# Okabe & Ito (2008), "Color Universal Design": safe for deuteranopia, protanopia and tritanopia
BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, GREY = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7",
                                                     "#56B4E9", "#767676")
WIDTH = 560  # fits a laptop screen beside nothing; the pages are one column
UNIT_LABEL = {"percent": "%", "per_100000": "per 100,000", "days": "days", "count": "count"}


# Every encoding is given as its channel object (alt.Y2, alt.Tooltip, ...), never as a shorthand string or a dict:
# Altair turns each of those into its channel with ``from_dict``, which hashes the JSON schema of every one of its
# 570-odd classes each time (903,700 hashes for the synthetic year's 229 charts: about half of the report's build).
def tips(*fields: str) -> list[alt.Tooltip]:
    return [alt.Tooltip(f) for f in fields]


@contextmanager
def frames_converted_once() -> Iterator[None]:
    """Within the block, Altair turns each data frame into its JSON values once (its default data transformer),
    not once for every layer drawn from it: the layers of a chart share their frame, and the report's 229 charts
    have 408 frames among 662 layers (a seventh of the report's build). A frame is known by its identity and held
    until the block ends, so that no other frame can take its id; nothing changes a chart's frame once drawn. The
    transformer in force is the process's (Altair's registry): a process builds one report at a time."""
    converted: dict[int, tuple[object, dict]] = {}

    def convert(data: object, **options: object) -> dict:
        kept = converted.get(id(data))
        if kept is None or kept[0] is not data:
            kept = converted[id(data)] = (data, default_data_transformer(data, **options))
        return kept[1]

    alt.data_transformers.register("outcomes_frames_converted_once", convert)
    with alt.data_transformers.enable("outcomes_frames_converted_once"):
        yield


def _frame(rows: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = rows[[c for c in columns if c in rows.columns]].copy()
    for column in ("period_start", "period_end"):
        if column in out:
            out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d")
    return out


def sparkline(trend: pd.DataFrame) -> alt.Chart:
    """A small line of the system's value by period, no axes (the table beside it holds the numbers)."""
    data = _frame(trend.dropna(subset=["value"]), ["period_start", "value"])
    return (alt.Chart(data).mark_line(point=True, color=BLUE, strokeWidth=2)
            .encode(x=alt.X("period_start:T", axis=None), y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)),
                    tooltip=tips("period_start:T", "value:Q"))
            .properties(width=120, height=28).configure_view(stroke=None))


def trend(rows: pd.DataFrame, unit: str, target: float | None) -> alt.Chart:
    """Monthly value with its 95% confidence band and, when the measure has one, the target as a dashed line."""
    data = _frame(rows, ["period_start", "value", "lower_95", "upper_95"])
    axis_y = alt.Y("value:Q", title=UNIT_LABEL.get(unit, unit), scale=alt.Scale(zero=False))
    months = alt.Axis(format="%b %Y", tickCount="month")
    base = alt.Chart(data).encode(x=alt.X("period_start:T", title="period", axis=months))
    layers = [
        base.mark_area(opacity=0.25, color=SKY).encode(y=alt.Y("lower_95:Q", title=UNIT_LABEL.get(unit, unit)),
                                                       y2=alt.Y2("upper_95:Q")),
        base.mark_line(point=True, color=BLUE).encode(y=axis_y, tooltip=tips("period_start:T", "value:Q", "lower_95:Q",
                                                                             "upper_95:Q")),
    ]
    if target is not None:
        rule = alt.Chart(pd.DataFrame({"target": [target]}))
        layers.append(rule.mark_rule(color=VERMILLION, strokeDash=[6, 4], strokeWidth=2).encode(y=alt.Y("target:Q")))
        layers.append(rule.mark_text(align="left", dx=4, dy=-6, color=VERMILLION, text=f"target {target:g}")
                      .encode(y=alt.Y("target:Q"), x=alt.XValue(0)))
    return alt.layer(*layers, width=WIDTH, height=240)


def compared(rows: pd.DataFrame, unit: str, label: str, system_value: float | None) -> alt.Chart:
    """One bar per area (site, organisation or place) with its 95% limits; the best area marked with a star and a
    different colour; the system's value as a dashed line ("levelling up to the best")."""
    data = _frame(rows, ["area_code", "value", "lower_95", "upper_95", "best"])
    y = alt.Y("area_code:N", title=label, sort="-x")
    base = alt.Chart(data).encode(y=y)
    layers = [
        base.mark_bar(height=14).encode(
            x=alt.X("value:Q", title=UNIT_LABEL.get(unit, unit)),
            color=alt.Color("best:N", title=None, scale=alt.Scale(domain=["best", "other"], range=[GREEN, GREY]),
                            legend=alt.Legend(orient="bottom")),
            tooltip=tips("area_code:N", "value:Q", "lower_95:Q", "upper_95:Q", "best:N")),
        base.mark_rule(color="black").encode(x=alt.X("lower_95:Q"), x2=alt.X2("upper_95:Q")),
        base.transform_filter(alt.datum.best == "best").mark_text(text="★ best", align="left", dx=6, color="black")
        .encode(x=alt.X("value:Q")),
    ]
    if system_value is not None:
        layers.append(alt.Chart(pd.DataFrame({"system": [system_value]}))
                      .mark_rule(color=VERMILLION, strokeDash=[6, 4]).encode(x=alt.X("system:Q")))
    return alt.layer(*layers, width=WIDTH - 120, height=max(60, 26 * len(data)))


def by_group(rows: pd.DataFrame, unit: str, label: str, overall: float | None,
             order: list[str] | None = None) -> alt.Chart:
    """Value by group (IMD quintile, ethnic group, age band, ...) with 95% limits as error bars and the overall value
    as a dashed line; a ``sii_line`` column (IMD quintiles) is drawn as the slope index of inequality's line."""
    data = _frame(rows, ["breakdown_value", "value", "lower_95", "upper_95", "sii_line"])
    x = alt.X("breakdown_value:N", title=label, sort=order or "ascending", axis=alt.Axis(labelAngle=0))
    base = alt.Chart(data).encode(x=x)
    layers = [
        base.mark_rule(color="black", strokeWidth=1.5).encode(
            y=alt.Y("lower_95:Q", title=UNIT_LABEL.get(unit, unit), scale=alt.Scale(zero=False)),
            y2=alt.Y2("upper_95:Q")),
        base.mark_point(filled=True, size=90, color=BLUE, shape="circle").encode(
            y=alt.Y("value:Q"), tooltip=tips("breakdown_value:N", "value:Q", "lower_95:Q", "upper_95:Q")),
    ]
    if "sii_line" in data and data["sii_line"].notna().all():
        layers.append(base.mark_line(color=ORANGE, strokeWidth=2.5, point=alt.OverlayMarkDef(
            shape="diamond", color=ORANGE, size=50)).encode(y=alt.Y("sii_line:Q"),
                                                            tooltip=tips("breakdown_value:N", "sii_line:Q")))
    if overall is not None:
        layers.append(alt.Chart(pd.DataFrame({"overall": [overall]}))
                      .mark_rule(color=VERMILLION, strokeDash=[6, 4]).encode(y=alt.Y("overall:Q")))
    return alt.layer(*layers, width=min(WIDTH, 90 * max(len(data), 3)), height=220)


def focus_vs_rest(rows: pd.DataFrame, focus: str, other: str) -> alt.Chart:
    """Core20PLUS5: for each measure, the focus group's value (vermillion circles) against the comparator's (blue
    squares), with 95% limits."""
    data = _frame(rows, ["title", "group", "value", "lower_95", "upper_95"])
    groups = alt.Scale(domain=[focus, other])
    base = alt.Chart(data).encode(y=alt.Y("title:N", title=None, sort=None, axis=alt.Axis(labelLimit=420)),
                                  yOffset=alt.YOffset("group:N", scale=groups))
    colour = alt.Color("group:N", title="group", scale=alt.Scale(domain=[focus, other], range=[VERMILLION, BLUE]),
                       legend=alt.Legend(orient="bottom"))
    return alt.layer(
        base.mark_rule().encode(x=alt.X("lower_95:Q", title="%"), x2=alt.X2("upper_95:Q"), color=colour),
        base.mark_point(filled=True, size=70).encode(x=alt.X("value:Q"), color=colour,
                                                    shape=alt.Shape("group:N", legend=None, scale=alt.Scale(
                                                        domain=[focus, other], range=["circle", "square"])),
                                                    tooltip=tips("title:N", "group:N", "value:Q", "lower_95:Q",
                                                                 "upper_95:Q")),
        width=WIDTH - 260, height=alt.Step(14))
