"""The alert raised when a national data opt-out list is refused, saying which list is still in force.

A refused list changes nothing in the lake: the list in force (``lake.ledger.list_in_force``, the one ingest and
the build filter by) stays so, and people who opted out since are not removed until a corrected list loads.
That must not be silent: the alert (through the alert sink, ``outcomes.alerts``) names the refused file and its
rule, and the list still in force (its file, declared period, list date and batch), or says that none is.

Every entry point that ingests calls :func:`alert_if_refused_list` with each file's outcome: the command line
(``outcomes ingest``), the one-shot run (``outcomes run``) and the ingest DAGs (``outcomes.feed_ingest``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from config.contracts import Contract, contract_for_feed, contract_for_file
from config.settings import Settings
from ingest.errors import FileRejected
from lake.ledger import list_in_force
from outcomes.alerts import record_alert

KIND = "optout_list_refused"


def alert_if_refused_list(settings: Settings, path: Path | str, outcome: object,
                          feed_id: str | None = None) -> dict[str, Any] | None:
    """The alert for ``outcome`` when it is the refusal of an opt-out list (its feed from ``feed_id`` or the file
    name); None for any other outcome or file."""
    if not isinstance(outcome, FileRejected):
        return None
    try:
        contract = (contract_for_feed(settings.contracts_dir, feed_id) if feed_id
                    else contract_for_file(settings.contracts_dir, Path(path).name))
    except ValueError:  # a file no contract claims is no opt-out list
        return None
    return alert_refused_list(settings, contract, outcome) if contract.kind == "optout" else None


def alert_refused_list(settings: Settings, contract: Contract, refusal: FileRejected) -> dict[str, Any]:
    """Record (and send, where configured) the alert for a refused opt-out list; returns the alert."""
    in_force = _in_force(settings, contract)
    if in_force:
        consequence = (f"the list still in force is {in_force['file']} (declared period "
                       f"{in_force['declared_period']}, list date {in_force['list_date']}, batch "
                       f"{in_force['batch_id']}): opt-outs registered since are not applied until a corrected list "
                       "loads")
    else:
        consequence = "no opt-out list is in force: no national data opt-out is applied until a list loads"
    reason = f"opt-out list refused: {refusal.describe()}. {consequence}"
    details = {"feed_id": contract.feed_id, "file": refusal.file, "rule": refusal.rule, "in_force": in_force}
    return record_alert(KIND, None, None, reason, settings=settings, details=details)


def _in_force(settings: Settings, contract: Contract) -> dict[str, Any] | None:
    """The opt-out list of this feed in force now: its file, declared period, list date and batch; None if none."""
    entry = list_in_force(settings, contract.feed_id)
    if entry is None:
        return None
    return {"file": entry["file"], "declared_period": entry.get("declared_period"),
            "list_date": entry.get("period_start"), "batch_id": entry["batch_id"]}
