"""Registry text as SQL literals that a dbt model can hold: quotes doubled, long text split into short pieces
joined with ``||`` (lines stay within the linter's width), and no Jinja delimiter left inside a literal."""

from __future__ import annotations

WIDTH = 80
_JINJA_OPENERS = ("{{", "{%", "{#")


def plain(text: str) -> str:
    """Whitespace folded to single spaces (YAML's folded blocks end in a newline)."""
    return " ".join(text.split())


def pieces(text: str, width: int = WIDTH) -> list[str]:
    """``text`` cut at spaces into pieces of at most about ``width`` characters; ''.join gives it back."""
    out: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and len(candidate) > width:
            out.append(current + " ")
            current = word
        else:
            current = candidate
    return [*out, current]


def _literal(piece: str) -> str:
    quoted = "'" + piece.replace("'", "''") + "'"
    for opener in _JINJA_OPENERS:  # '{' || '{' is the same text, and never a Jinja tag
        quoted = quoted.replace(opener, f"{opener[0]}' || '{opener[1]}")
    return quoted


def literal(value: object, indent: str) -> str:
    """A SQL literal for a registry value: text (split over lines after ``indent``), number, date or null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = plain(str(value))
    return f"\n{indent}|| ".join(_literal(p) for p in pieces(text))
