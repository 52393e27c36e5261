"""Agreements as the deliveries and the API see them: loaded, cross-checked against the measure registry and the
publication specs, and judged in force on a day (or not, with the reason a person can act on)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from config.agreements import Agreement, check_against, load_agreements, organisation_kinds
from config.measures import load_measures
from config.settings import Settings
from publish.spec import list_tables, load_spec


def load_checked(settings: Settings) -> dict[str, Agreement]:
    """Every agreement under ``settings.agreements_dir``, each checked against the registry and the specs
    (AgreementError names the file and the rule)."""
    measures = {m.id: m.disclosure_profile for m in load_measures(settings.measures_dir, settings.contracts_dir)}
    tables = {name: load_spec(name, settings).disclosure.profile for name in list_tables(settings)}
    organisations = organisation_kinds(settings.contracts_dir)
    agreements = load_agreements(settings.agreements_dir)
    for agreement in agreements.values():
        check_against(agreement, path=settings.agreements_dir / f"{agreement.partner}.yaml",
                      measure_profiles=measures, table_profiles=tables, organisations=organisations)
    return agreements


@dataclass(frozen=True)
class Standing:
    partner: str
    agreement: Agreement | None
    in_force: bool
    reason: str  # why nothing is delivered, or what is in force


def standing(partner: str, agreements: dict[str, Agreement], today: dt.date, settings: Settings) -> Standing:
    agreement = agreements.get(partner)
    if agreement is None:
        return Standing(partner, None, False, f"no data-sharing agreement for partner {partner!r} in "
                                              f"{settings.agreements_dir}: nothing is delivered")
    label = f"agreement {agreement.agreement_id} version {agreement.version}"
    if today < agreement.start:
        return Standing(partner, agreement, False, f"{label} starts on {agreement.start}: nothing is delivered "
                                                   "before then")
    if today > agreement.expiry:
        return Standing(partner, agreement, False, f"{label} expired on {agreement.expiry}: nothing is delivered "
                                                   "until a renewed agreement is recorded")
    return Standing(partner, agreement, True, f"{label} in force from {agreement.start} to {agreement.expiry}")
