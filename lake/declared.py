"""What a delivered file declares about itself: its period and its version, read from its name or its manifest,
never from its rows (docs/contracts.md, "What a delivery replaces")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from config.contracts import Contract

VERSION_SUFFIX = re.compile(r"(?P<stem>.+?)(?:[_-]v(?P<version>\d+))?", re.IGNORECASE)


class DeclarationError(ValueError):
    """The file's name or manifest does not declare a usable period or version; the message says what was expected."""


@dataclass(frozen=True)
class Declared:
    period: date | None
    version: int = 1

    def as_ledger(self) -> dict:
        return {"declared_period": self.period.isoformat() if self.period else None, "version": self.version}


def from_name(contract: Contract, filename: str) -> Declared:
    """The period and version in ``filename``: the part the pattern's ``*`` matches is the period in the contract's
    ``delivery.period_in_name`` format, optionally followed by ``_v<N>``."""
    fmt = contract.delivery.period_in_name
    if not fmt:
        return Declared(None, _version_only(contract, filename))
    prefix, suffix = contract.file.pattern.split("*")
    middle = filename[len(prefix):len(filename) - len(suffix)]
    match = VERSION_SUFFIX.fullmatch(middle)
    expected = f"{prefix}<{fmt}>[_v<N>]{suffix}"
    if not match:
        raise DeclarationError(f"no period in the name: expected {expected}")
    try:
        period = datetime.strptime(match["stem"], fmt).date()
    except ValueError:
        raise DeclarationError(f"the period {match['stem']!r} in the name does not read as {fmt!r}: "
                               f"expected {expected}") from None
    return Declared(period, int(match["version"] or 1))


def _version_only(contract: Contract, filename: str) -> int:
    stem = filename.rsplit(".", 1)[0]
    match = re.search(r"[_-]v(\d+)$", stem, re.IGNORECASE)
    return int(match[1]) if match else 1


def declared(contract: Contract, filename: str, manifest: dict | None) -> Declared:
    """The delivery's declaration: the manifest's ``period`` / ``version`` where it states them, else the name's.
    When both state a value they must agree."""
    stated_period = (manifest or {}).get("period")
    try:
        by_name: Declared | None = from_name(contract, filename)
    except DeclarationError:
        if stated_period is None:
            raise
        by_name = None
    stated_version = (manifest or {}).get("version")
    period = by_name.period if by_name else None
    version = by_name.version if by_name else 1
    if stated_period is not None:
        try:
            from_manifest = date.fromisoformat(str(stated_period))
        except ValueError:
            raise DeclarationError(f"the manifest's period {stated_period!r} is not a date (YYYY-MM-DD)") from None
        if period is not None and period != from_manifest:
            raise DeclarationError(f"the manifest declares period {from_manifest} but the name declares {period}")
        period = from_manifest
    if stated_version is not None:
        if not isinstance(stated_version, int) or stated_version < 1:
            raise DeclarationError(f"the manifest's version {stated_version!r} is not a whole number from 1")
        if by_name and by_name.version != 1 and by_name.version != stated_version:
            raise DeclarationError(f"the manifest declares version {stated_version} but the name declares "
                                   f"{by_name.version}")
        version = stated_version
    if contract.delivery.replaces != "append" and period is None:
        raise DeclarationError("the delivery declares no period (contract delivery.period_in_name, or a manifest "
                               "'period')")
    return Declared(period, version)
