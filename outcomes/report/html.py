"""HTML for the report's pages: one shell (navigation, styles), tables, and charts embedded with vega-embed.

Every chart is followed by its numbers as an HTML table (inside <details>, so screen readers and keyboards reach
it and the page stays short). The vega-embed bundle is one local file, ``assets/vega-embed.js``, shared by every
page: a page opened from disk needs no server and no network.
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import altair as alt
import pandas as pd

ASSETS = "assets"
BUNDLE = f"{ASSETS}/vega-embed.js"

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1d1d1d;
     line-height:1.45;background:#fff}
header{background:#005eb8;color:#fff;padding:.6rem 1.2rem}
header a{color:#fff;margin-right:1.1rem;text-decoration:underline}
header strong{margin-right:1.6rem}
main{max-width:1100px;margin:0 auto;padding:1rem 1.2rem 3rem}
h1{font-size:1.6rem;margin:.6rem 0}
h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #d8dde0}
table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}
th,td{border:1px solid #d8dde0;padding:.25rem .5rem;text-align:left;vertical-align:middle}
th{background:#f0f4f5}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr:nth-child(even) td{background:#fafbfb}
.scroll{overflow-x:auto}
.note{color:#4c6272;font-size:.92rem}
.good{color:#007f3b;font-weight:600}
.bad{color:#b3261e;font-weight:600}
figure{margin:1rem 0}
figcaption{font-weight:600;margin-bottom:.3rem}
details{margin:.3rem 0 1rem}
summary{cursor:pointer;color:#005eb8}
.chart{min-height:30px}
"""


def fmt(value, decimals: int = 1) -> str:
    """A number as people read it ("" for a suppressed or missing value)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or pd.isna(value):
        return ""
    if isinstance(value, int | float):
        whole = not isinstance(value, float) or float(value).is_integer()
        return f"{value:,.0f}" if whole else f"{value:,.{decimals}f}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def table(frame: pd.DataFrame, caption: str | None = None, raw: set[str] | None = None) -> str:
    """An HTML table of ``frame``; columns in ``raw`` hold HTML already (links, a chart cell)."""
    raw = raw or set()
    head = "".join(f'<th scope="col">{escape(str(c))}</th>' for c in frame.columns)
    body = []
    for _, row in frame.iterrows():
        cells = []
        for column in frame.columns:
            value = row[column]
            if column in raw:
                cells.append(f"<td>{value}</td>")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                cells.append(f'<td class="num">{fmt(value)}</td>')
            else:
                cells.append(f"<td>{escape(fmt(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


@dataclass
class Page:
    """One page: its body parts in order and the chart specs to embed once the bundle has loaded."""

    title: str
    parts: list[str] = field(default_factory=list)
    specs: dict[str, dict] = field(default_factory=dict)

    def add(self, html: str) -> None:
        self.parts.append(html)

    def chart_div(self, chart: alt.TopLevelMixin, label: str) -> str:
        """A container for ``chart`` (rendered as SVG), labelled for assistive technology; returns its HTML."""
        chart_id = f"chart-{len(self.specs) + 1}"
        self.specs[chart_id] = chart.to_dict(validate=False)  # a third of the build time; the test draws them all
        return f'<div class="chart" id="{chart_id}" role="img" aria-label="{escape(label)}"></div>'

    def figure(self, caption: str, chart: alt.TopLevelMixin, numbers: pd.DataFrame, note: str = "") -> None:
        """A captioned chart, an optional note, and the same numbers as a table."""
        self.add(f"<figure><figcaption>{escape(caption)}</figcaption>{self.chart_div(chart, caption)}"
                 + (f'<p class="note">{escape(note)}</p>' if note else "")
                 + f"<details><summary>The numbers behind this chart</summary>{table(numbers)}</details></figure>")

    def render(self, nav: list[tuple[str, str]], footer: str) -> str:
        links = "".join(f'<a href="{escape(href)}">{escape(text)}</a>' for text, href in nav)
        script = ""
        if self.specs:
            specs = json.dumps(self.specs, default=str).replace("</", "<\\/")
            script = (f'<script src="{BUNDLE}"></script><script>const specs = {specs};\n'
                      "for (const [id, spec] of Object.entries(specs)) {\n"
                      "  vegaEmbed('#' + id, spec, {renderer: 'svg', actions: false})\n"
                      "    .catch(error => { console.error(id + ': ' + error); });\n}</script>")
        return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{escape(self.title)}</title><style>{STYLE}</style></head><body>"
                f'<header><nav aria-label="report"><strong>Outcomes report</strong>{links}</nav></header>'
                f"<main><h1>{escape(self.title)}</h1>{''.join(self.parts)}"
                f'<p class="note">{footer}</p></main>{script}</body></html>\n')


def write_bundle(folder: Path, previous: Path | None = None) -> None:
    """The vega-embed bundle (Vega, Vega-Lite and vega-embed in one script), written once for every page; taken
    from the ``previous`` site when it was made by the same versions (making it takes about 5 seconds)."""
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    vl_version = vl_version_for_vl_convert()
    stamp = f"// vega-embed bundle from vl-convert-python {vlc.__version__}, Vega-Lite {vl_version}\n"
    (folder / ASSETS).mkdir(parents=True, exist_ok=True)
    old = previous / BUNDLE if previous else None
    if old and old.is_file():
        with old.open(encoding="utf-8") as handle:
            if handle.readline() == stamp:
                shutil.copyfile(old, folder / BUNDLE)
                return
    (folder / BUNDLE).write_text(stamp + vlc.javascript_bundle(vl_version=vl_version), encoding="utf-8")
