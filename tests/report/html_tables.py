"""Read the report's HTML tables back as frames of text (the standard library's parser: no lxml here)."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self._title = ""

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows, self._title = [], ""
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "caption":
            self._caption = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._rows:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "caption" and self._caption is not None:
            self._title, self._caption = "".join(self._caption).strip(), None
        elif tag == "table" and self._rows is not None:
            self.tables.append((self._title, self._rows))
            self._rows = None

    def handle_data(self, data):
        for part in (self._cell, self._caption):
            if part is not None:
                part.append(data)


def read_tables(html: str) -> list[pd.DataFrame]:
    """Every table as a frame (header from its first row); its caption in ``frame.attrs['caption']``."""
    parser = _Tables()
    parser.feed(html)
    frames = []
    for caption, rows in parser.tables:
        frame = pd.DataFrame(rows[1:], columns=rows[0])
        frame.attrs["caption"] = caption
        frames.append(frame)
    return frames


def number(text: str) -> float | None:
    return float(text.replace(",", "")) if text else None
