"""Age bands read as numbers ('0-4', '00-04', '90+'), so a standard population is joined by band, never by position."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stats.errors import StatsInputError

_CLOSED = re.compile(r"^\s*(\d{1,3})\s*-\s*(\d{1,3})\s*$")
_OPEN = re.compile(r"^\s*(\d{1,3})\s*\+\s*$")


@dataclass(frozen=True, order=True)
class AgeBand:
    """Ages `lower` to `upper` inclusive in whole years; `upper` is None for an open top band such as 90+."""

    lower: int
    upper: int | None

    def __str__(self) -> str:
        return f"{self.lower}+" if self.upper is None else f"{self.lower}-{self.upper}"


def parse_age_band(label: object) -> AgeBand:
    """'5-9' and '05-09' are the same band; '90+' is open-ended. Anything else is refused, naming the label."""
    text = str(label)
    if match := _CLOSED.match(text):
        lower, upper = int(match[1]), int(match[2])
        if upper < lower:
            raise StatsInputError(f"age band {label!r} ends before it starts")
        return AgeBand(lower, upper)
    if match := _OPEN.match(text):
        return AgeBand(int(match[1]), None)
    raise StatsInputError(f"age band {label!r} is not of the form '5-9' or '90+'")
