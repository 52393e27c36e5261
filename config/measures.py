"""The measure registry: one YAML file per measure under ``measures/``, validated by these models.

A declaration is the single statement of a measure: what it counts, over what, the choices made where the
definition left one, its period, unit, polarity, target and standard, confidence-interval method, source feeds,
areas, breakdowns, disclosure profile, the dbt model that yields its records and its change log. The marts'
registry (``marts.measures``), the union of measure records and the data-dictionary pages are generated from it
by ``outcomes contracts sync`` (docs/measures.md has the field reference).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from config.contracts import load_contracts
from config.yaml_text import load_yaml

PeriodType = Literal["month", "quarter", "rolling_12_months", "census_date"]
Unit = Literal["percent", "per_100000", "count", "days"]
ValueType = Literal["proportion", "rate", "dsr", "count", "mean", "median", "mean_daily_count"]
Polarity = Literal["higher_is_better", "lower_is_better", "none"]
CiMethod = Literal["wilson", "byar", "dobson", "none"]
AreaType = Literal["system", "place", "organisation", "site"]
Breakdown = Literal["all", "imd_quintile", "core20", "ethnic_group", "age_band", "sex", "rurality",
                    "learning_disability", "smi"]
DisclosureProfile = Literal["nhs_standard", "mhsds"]
# What a measure's records are: 'events' (attendances, spells, contacts...: the person spine is looked up at each
# record's event date) or 'register' (one record per person on a GP register snapshot, the register row itself:
# int_register_record_groups groups them by their breakdowns, docs/measures.md "The person spine").
RecordsFrom = Literal["events", "register"]
# The Core20PLUS5 adult clinical areas (NHS England); a measure naming one joins marts.core20plus5.
Core20Plus5Area = Literal["maternity", "severe_mental_illness", "chronic_respiratory_disease",
                          "early_cancer_diagnosis", "hypertension", "smoking_cessation"]

AREA_TYPES: tuple[str, ...] = AreaType.__args__
BREAKDOWNS: tuple[str, ...] = Breakdown.__args__
# The confidence-interval method each kind of value takes (docs/measures.md, "The long table").
CI_METHOD_OF: dict[str, str] = {"proportion": "wilson", "rate": "byar", "dsr": "dobson", "count": "none",
                                "mean": "none", "median": "none", "mean_daily_count": "none"}
# A directly standardised rate's denominator is the registered population of an area of residence: no provider
# areas, and no age breakdown (it is standardised for age).
DSR_AREAS: tuple[str, ...] = ("system", "place")
# Value types whose values by deprivation quantile carry 95% limits, so marts.inequality_summary covers them.
INEQUALITY_VALUE_TYPES: tuple[str, ...] = ("proportion", "rate", "dsr")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Strict):
    type: PeriodType
    basis: str = Field(min_length=1, description="what places a record in a period, e.g. 'arrival date'")


class Threshold(_Strict):
    """A target or standard: the value (in the measure's unit), its wording and where it comes from."""

    value: float
    text: str = Field(min_length=1)
    source: str = Field(min_length=1)


class Change(_Strict):
    version: int = Field(ge=1)
    date: dt.date
    change: str = Field(min_length=1)


class Drift(_Strict):
    """How far a measure's published figures may move from the live version to a candidate, as a fraction of the
    live figure (the quality gate's drift check, docs/publication.md): the number of rows for a period, the
    headline volume (the denominator of the system's 'all' row) and the headline value. Bounds are derived at run
    time: live x (1 - tolerance) to live / (1 - tolerance). A period a resubmission in the ledger replaced is
    exempt."""

    rows: float = Field(default=0.25, gt=0, lt=1)
    volume: float = Field(default=0.25, gt=0, lt=1)
    value: float = Field(default=0.5, gt=0, lt=1)


class Measure(_Strict):
    id: str
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    numerator: str = Field(min_length=1)
    denominator: str = Field(min_length=1)
    exclusions: list[str]
    choices: list[str]
    period: Period
    unit: Unit
    value_type: ValueType
    polarity: Polarity
    target: Threshold | None
    standard: Threshold | None
    ci_method: CiMethod
    source_feeds: list[str] = Field(min_length=1)
    areas: list[AreaType] = Field(min_length=1)
    breakdowns: list[Breakdown] = Field(min_length=1)
    disclosure_profile: DisclosureProfile
    drift: Drift = Field(default_factory=Drift)
    model: str
    changelog: list[Change] = Field(min_length=1)
    core20plus5_area: Core20Plus5Area | None = None
    records_from: RecordsFrom = "events"

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"must be lower-case letters, digits and underscores, found {value!r}")
        return value

    @field_validator("source_feeds", "areas", "breakdowns")
    @classmethod
    def _no_repeats(cls, values: list[str]) -> list[str]:
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise ValueError(f"listed twice: {repeated}")
        return values

    @model_validator(mode="after")
    def _consistent(self) -> Measure:
        if self.model != model_name(self.id):
            raise ValueError(f"model must be {model_name(self.id)!r} (the measure's record model), "
                             f"found {self.model!r}")
        if self.ci_method != CI_METHOD_OF[self.value_type]:
            raise ValueError(f"ci_method must be {CI_METHOD_OF[self.value_type]!r} for value_type "
                             f"{self.value_type!r}, found {self.ci_method!r}")
        if self.value_type == "proportion" and self.unit != "percent":
            raise ValueError(f"a proportion is published as unit 'percent', found {self.unit!r}")
        if self.value_type in ("rate", "dsr") and self.unit != "per_100000":
            raise ValueError(f"a {self.value_type} is published as unit 'per_100000', found {self.unit!r}")
        if self.value_type == "dsr":
            self._check_standardised()
        if self.core20plus5_area is not None and self.value_type != "proportion":
            raise ValueError(f"core20plus5_area needs value_type 'proportion' (marts.core20plus5 compares "
                             f"percentages with Wilson limits), found {self.value_type!r}")
        if "all" not in self.breakdowns:
            raise ValueError("breakdowns must include 'all' (the headline row of every area)")
        if self.records_from == "register" and ("qgh_gp_list" not in self.source_feeds
                                                 or self.value_type not in ("proportion", "rate")):
            raise ValueError("records_from 'register' needs source feed 'qgh_gp_list' (the register its records "
                             "are rows of) and value_type 'proportion' or 'rate' (its records are summed, never "
                             f"averaged), found {self.source_feeds} and {self.value_type!r}")
        if self.polarity == "none" and self.target is not None:
            raise ValueError("a target needs a polarity (higher_is_better or lower_is_better) to be judged")
        versions = [c.version for c in self.changelog]
        if versions != sorted(set(versions)) or versions[-1] != self.version:
            raise ValueError(f"changelog versions must increase and end at version {self.version}, "
                             f"found {versions}")
        return self

    def _check_standardised(self) -> None:
        outside = [a for a in self.areas if a not in DSR_AREAS]
        if outside:
            raise ValueError(f"a dsr's denominator is the registered population of an area of residence: areas "
                             f"must be among {list(DSR_AREAS)}, found {outside}")
        if "age_band" in self.breakdowns:
            raise ValueError("a dsr is standardised for age: breakdowns must not include 'age_band'")


def model_name(measure_id: str) -> str:
    """The dbt model that yields a measure's records (one row per unit of its denominator)."""
    return f"measure__{measure_id}"


class MeasureError(ValueError):
    """A measure declaration is invalid; the message names the file and the problem."""


def load_measure(path: Path) -> Measure:
    try:
        measure = Measure.model_validate(load_yaml(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValueError) as exc:
        raise MeasureError(f"{path}: invalid measure: {exc}") from exc
    if measure.id != path.stem:
        raise MeasureError(f"{path}: invalid measure: id {measure.id!r} must match the file name {path.stem!r}")
    return measure


@cache
def _load_dir(directory: str, contracts_dir: str) -> tuple[Measure, ...]:
    feeds = {c.feed_id for c in load_contracts(Path(contracts_dir))}
    measures = []
    for path in sorted(Path(directory).glob("*.yaml")):
        measure = load_measure(path)
        unknown = [f for f in measure.source_feeds if f not in feeds]
        if unknown:
            raise MeasureError(f"{path}: invalid measure: source_feeds {unknown} have no contract "
                               f"in {contracts_dir} (known feeds: {', '.join(sorted(feeds))})")
        measures.append(measure)
    return tuple(measures)


def load_measures(directory: Path, contracts_dir: Path) -> tuple[Measure, ...]:
    """Every measure in a folder (``*.yaml``, sorted by file name), its source feeds checked against the
    contracts in ``contracts_dir``."""
    return _load_dir(str(Path(directory).resolve()), str(Path(contracts_dir).resolve()))


# The record shape every measure model yields, in this order (docs/measures.md, "The record shape"):
# (name, SQL type, nullable, description). One row per unit of the measure's denominator.
RECORD_COLUMNS: tuple[tuple[str, str, bool, str], ...] = (
    ("measure_id", "varchar", False, "The measure's id in the registry (measures/<measure_id>.yaml)"),
    ("period_start", "date", False, "First day of the period the record counts in"),
    ("period_end", "date", False, "Last day of the period the record counts in"),
    ("organisation_code", "varchar", False, "ODS code of the provider"),
    ("site_code", "varchar", True, "ODS code of the site; null when the measure has no site"),
    ("person_id", "uuid", True,
     "The person's key (macro person_key: the keyed pseudonym's first 128 bits); null when the record carries none "
     "(unlinked)"),
    ("event_date", "date", False, "The date the person spine is looked up at (arrival, census, discharge...)"),
    ("lsoa11_code", "varchar", True, "LSOA (2011) of residence on the event's own row, may be null"),
    ("age_years", "integer", True, "Age in whole years at the event, may be null"),
    ("sex_code", "varchar", True, "Sex code on the event's own row (1 male, 2 female, 9, X), may be null"),
    ("ethnic_category_code", "varchar", True, "NHS ethnic category on the event's own row, may be null"),
    ("numerator", "double", False, "0 or 1 for proportions; the item's count for counts"),
    ("denominator", "double", False, "1 per unit, or the item's weight"),
    ("value_item", "double", True, "The item's value for means and medians (e.g. length of stay in days); else null"),
)
