"""One entry point per step for every kind of source, chosen by the contract's ``source.kind``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import import_module
from pathlib import Path

from config import names
from config.contracts import Contract
from config.settings import Settings
from pull.errors import SourceError
from pull.landing import Landed, mark_ready

PULLED_KINDS = ("mesh", "sftp", "sql")


def is_pulled(contract: Contract) -> bool:
    return contract.source.kind in PULLED_KINDS


def _module(contract: Contract):
    if not is_pulled(contract):
        raise ValueError(f"feed {contract.feed_id}: source {contract.source.kind!r} is not pulled")
    return import_module(f"pull.{contract.source.kind}")


def waiting(contract: Contract, settings: Settings) -> list[str]:
    """Names of the files waiting at the source for this feed (nothing is downloaded)."""
    return [item.filename for item in _module(contract).waiting(contract)]


def pull_into_landing(contract: Contract, settings: Settings, period: tuple[date, date] | None = None) -> list[Landed]:
    """Fetch what is waiting into the feed's landing folder, exactly once, then write ``_READY`` if anything came.
    ``period`` (start, end exclusive) is the extract's period for a SQL source."""
    landing = names.landing_folder(settings, contract)
    module = _module(contract)
    zone = settings.identifiable_dir
    landed = module.pull(contract, landing, zone, period) if contract.source.kind == "sql" else \
        module.pull(contract, landing, zone)
    if landed:
        mark_ready(landing)
    return landed


@dataclass(frozen=True)
class SourceCheck:
    feed_id: str
    kind: str
    connection: str
    reachable: bool
    detail: str


def check_all(contracts: list[Contract]) -> list[SourceCheck]:
    """Reach every pulled feed's source with its connection: reachable (and what is waiting) or why not."""
    results = []
    for contract in contracts:
        if not is_pulled(contract):
            continue
        conn_id = getattr(contract.source, "connection", "")
        try:
            detail, ok = _module(contract).check(contract), True
        except SourceError as exc:
            detail, ok = str(exc), False
        results.append(SourceCheck(contract.feed_id, contract.source.kind, conn_id, ok, detail))
    return results


def landed_summary(landed: list[Landed]) -> list[dict]:
    return [{"file": Path(item.path).name, "bytes": item.size, "sha256": item.sha256} for item in landed]
