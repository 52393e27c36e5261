"""The alert raised when a national data opt-out list is refused, saying which list is still in force.

A refused list changes nothing in the lake: the list in force (``ingest.ledger.list_in_force``, the one ingest
and the build filter by) stays so, and people who opted out since are not removed until a corrected list loads.
That must not be silent: the alert (through the alert sink, ``outcomes.alerts``) names the refused file and its
rule, and the list still in force (its file, declared period, list date and batch), or says that none is.
"""

from __future__ import annotations

from typing import Any

from ingest.contract import Contract
from ingest.errors import FileRejected
from ingest.ledger import list_in_force
from outcomes.alerts import record_alert
from outcomes.settings import Settings

KIND = "optout_list_refused"


def _in_force(settings: Settings, contract: Contract) -> dict[str, Any] | None:
    """The opt-out list of this feed in force now: its file, declared period, list date and batch; None if none."""
    entry = list_in_force(settings, contract.feed_id)
    if entry is None:
        return None
    return {"file": entry["file"], "declared_period": entry.get("declared_period"),
            "list_date": entry.get("period_start"), "batch_id": entry["batch_id"]}


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
