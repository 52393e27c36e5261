"""Data-sharing agreements: one YAML file per partner under ``agreements/``, validated by these models.

An agreement is the single statement of what a partner may receive: which tables (and, for ``measure_values``,
which measures), which areas (a council its own place and the system, a trust its own organisation with its sites
and the system, the ICB everything), under which disclosure profile (the registry's, or a stricter one), in which
formats, between which dates, for which purpose and on which legal basis. Deliveries and the partner API read
nothing else (docs/partners.md has the field reference). The cross-checks against the measure registry and the
publication specs take them as arguments (:func:`check_against`), so configuration stays below every stage.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from config.disclosure_profiles import PROFILES, at_least_as_strict

PartnerKind = Literal["icb", "trust", "council", "healthwatch", "voluntary"]
Format = Literal["csv", "parquet", "xlsx", "json"]
# organisations.csv kinds -> the partner kinds they may sign as
ORGANISATION_KINDS = {"NHS trust": "trust", "ICB": "icb", "local authority": "council",
                      "Healthwatch (project code)": "healthwatch"}
_AREA = re.compile(r"^(system|all|place:[A-Z0-9]+|organisation:[A-Z0-9]+)$")
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


class AgreementError(ValueError):
    """An agreement is invalid or does not match the registry; the message names the file and the rule."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TableGrant(_Strict):
    table: str
    measures: list[str] | Literal["all"] = "all"  # measure_values only: the measure ids allowed


class Agreement(_Strict):
    partner: str  # slug, the file name and the API's partner id
    partner_name: str = Field(min_length=1)
    kind: PartnerKind
    organisation_code: str | None = None  # the partner's own code (contracts/reference/organisations.csv)
    agreement_id: str = Field(min_length=1)
    version: int = Field(ge=1)
    purpose: str = Field(min_length=1)
    legal_basis: str = Field(min_length=1)
    tables: list[TableGrant] = Field(min_length=1)
    areas: list[str] = Field(min_length=1)  # system | all | place:<code> | organisation:<ODS code> (with its sites)
    profile: str | None = None  # a disclosure profile stricter than the registry's; None: the registry's
    formats: list[Format] = Field(min_length=1)
    start: dt.date
    expiry: dt.date

    @field_validator("partner")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(f"must be lower-case letters, digits and underscores, found {value!r}")
        return value

    @field_validator("areas")
    @classmethod
    def _areas(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not _AREA.match(v)]
        if bad:
            raise ValueError(f"areas must be system, all, place:<code> or organisation:<ODS code>, found {bad}")
        return values

    @model_validator(mode="after")
    def _consistent(self) -> Agreement:
        if self.expiry < self.start:
            raise ValueError(f"expiry {self.expiry} is before start {self.start}")
        own = {"council": f"place:{self.organisation_code}", "trust": f"organisation:{self.organisation_code}"}
        if self.kind in own:
            if self.organisation_code is None:
                raise ValueError(f"a {self.kind} agreement names the partner's organisation_code")
            allowed = {"system", own[self.kind]}
            extra = sorted(set(self.areas) - allowed)
            if extra:
                raise ValueError(f"a {self.kind} sees its own {own[self.kind].split(':')[0]} and the system only "
                                 f"({sorted(allowed)}); found {extra}")
        elif self.kind != "icb" and "all" in self.areas:
            raise ValueError(f"only the ICB may see all areas; a {self.kind} lists the places it covers")
        tables = [g.table for g in self.tables]
        if len(set(tables)) != len(tables):
            raise ValueError(f"a table is granted twice: {tables}")
        return self

    def active_on(self, day: dt.date) -> bool:
        return self.start <= day <= self.expiry

    def grant(self, table: str) -> TableGrant | None:
        return next((g for g in self.tables if g.table == table), None)


def load_agreement(path: Path) -> Agreement:
    try:
        agreement = Agreement.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise AgreementError(f"{path}: invalid agreement: {exc}") from exc
    if agreement.partner != path.stem:
        raise AgreementError(f"{path}: invalid agreement: partner {agreement.partner!r} must match the file name")
    return agreement


def load_agreements(directory: Path) -> dict[str, Agreement]:
    """Every agreement in a folder (``*.yaml``), by partner."""
    return {a.partner: a for a in (load_agreement(p) for p in sorted(Path(directory).glob("*.yaml")))}


def organisation_kinds(contracts_dir: Path) -> dict[str, str]:
    """Partner kind of every organisation code in contracts/reference/organisations.csv that may sign one."""
    with open(Path(contracts_dir) / "reference" / "organisations.csv", newline="", encoding="utf-8") as handle:
        return {r["code"]: ORGANISATION_KINDS[r["kind"]] for r in csv.DictReader(handle)
                if r["kind"] in ORGANISATION_KINDS}


def check_against(agreement: Agreement, *, path: Path, measure_profiles: Mapping[str, str],
                  table_profiles: Mapping[str, str], organisations: Mapping[str, str]) -> None:
    """Cross-check one agreement: its tables are declared, its measures are in the registry, its organisation is
    known and of its kind, and its profile is at least as strict as every profile it would replace.
    ``table_profiles``: table -> its spec's profile ('registry' for measure_values)."""

    def fail(rule: str) -> None:
        raise AgreementError(f"{path}: invalid agreement: {rule}")

    if agreement.organisation_code is not None:
        kind = organisations.get(agreement.organisation_code)
        if kind is None:
            fail(f"organisation_code {agreement.organisation_code!r} is not in organisations.csv")
        if kind != agreement.kind:
            fail(f"organisation {agreement.organisation_code} is a {kind}, but the agreement says {agreement.kind}")
    replaced: set[str] = set()
    for grant in agreement.tables:
        if grant.table not in table_profiles:
            fail(f"table {grant.table!r} is not published (declared: {sorted(table_profiles)})")
        if table_profiles[grant.table] == "registry":
            ids = sorted(measure_profiles) if grant.measures == "all" else grant.measures
            unknown = sorted(set(ids) - set(measure_profiles))
            if unknown:
                fail(f"measures {unknown} of table {grant.table} are not in the registry")
            replaced |= {measure_profiles[m] for m in ids}
        elif grant.measures != "all":
            fail(f"table {grant.table} has no measures: grant it whole")
        else:
            replaced.add(table_profiles[grant.table])
    if agreement.profile is not None:
        if agreement.profile not in PROFILES:
            fail(f"unknown disclosure profile {agreement.profile!r} (known: {sorted(PROFILES)})")
        looser = sorted(p for p in replaced if not at_least_as_strict(PROFILES[agreement.profile], PROFILES[p]))
        if looser:
            fail(f"profile {agreement.profile!r} is looser than {looser} in some respect: an agreement may ask for "
                 "a stricter profile, never a looser one")
