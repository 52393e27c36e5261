"""Publication specs: one YAML file per partner table under ``publish/tables/``, validated by these models.

A spec declares what a partner table is (name, description, grain, source relation, columns in order), how it
is disclosure-controlled and which Great Expectations suite gates it. Adding a table is a spec, a suite JSON
and (usually) a dbt mart: no new Python.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from config.disclosure_profiles import PROFILES
from config.measures import Drift
from config.settings import Settings, get_settings
from config.yaml_text import load_yaml
from publish.errors import SpecError

ColumnKind = Literal["dimension", "count", "rate"]
# How a derived column is computed at publication (publish/derived.py): "percent" 100 x numerator / denominator
# from the published (rounded) counts; the measure_* rules by each row's measure in the registry.
DerivedRule = Literal["percent", "measure_value", "measure_limit", "best_value", "gap_to_best", "meets_target"]
ColumnType = Literal["varchar", "date", "bigint", "double", "boolean"]
_RELATION = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Column(_Strict):
    """One published column. ``count`` and ``rate`` columns are disclosure-controlled; dimensions pass through."""

    name: str
    kind: ColumnKind = "dimension"
    type: ColumnType
    description: str
    numerator: str | None = None  # rate only: the count column on top
    denominator: str | None = None  # rate only: the count column underneath
    decimals: int = Field(default=1, ge=0, le=6)  # rate only: decimal places published
    hidden_with: str | None = None  # dimension only: a rate column; published empty whenever that rate is
    rule: DerivedRule | None = None  # rate (default "percent"), or "meets_target" on a dimension
    side: Literal["lower", "upper"] | None = None  # measure_limit only
    confidence: float | None = None  # measure_limit only: 0.95 or 0.998


class Disclosure(_Strict):
    """The per-output rule set, applied last, to the unrounded counts (config/disclosure_profiles.py)."""

    # a profile name (nhs_standard, mhsds, strict_10), or "registry": each row takes its measure's profile
    profile: str = "nhs_standard"
    flag_column: str = "suppressed"  # boolean column: true when any cell of the row is suppressed
    # "none": the table carries no total rows. "long_table": the measure_values shape, whose rows add up to others
    # (breakdowns to their area's all row, organisations and places to the system, sites to their organisation):
    # secondary suppression protects them (publish/secondary.py).
    totals: Literal["none", "long_table"] = "none"

    @model_validator(mode="after")
    def _known_profile(self) -> Disclosure:
        if self.profile != "registry" and self.profile not in PROFILES:
            raise ValueError(f"disclosure profile must be 'registry' or one of {sorted(PROFILES)}, "
                             f"found {self.profile!r}")
        return self


class RowExclusion(_Strict):
    """Source rows left out of the partner table by a declared rule, with the reason every manifest states."""

    where: str  # a DuckDB boolean expression over the source's columns: rows for which it holds are left out
    reason: str


class GateSpec(_Strict):
    """What the quality gate needs beyond the columns to check completeness, delivered periods and drift
    (docs/publication.md, "The quality gate"). Conditions are DuckDB boolean expressions over the published
    columns."""

    period: str  # column: the first day of the row's period
    period_end: str | None = None  # column: the last day of the period (None: the month that ``period`` starts)
    measure: str | None = None  # column holding the registry's measure id; None: the whole table is one measure
    feeds: list[str] = []  # without ``measure``: the feeds the table is built from (with it: the registry's)
    drift: Drift | None = None  # without ``measure``: the table's tolerances (with it: each measure's, registry)
    organisation: str  # column holding the provider organisation's code on organisation rows
    organisation_rows: str = "true"  # which rows are one organisation's headline (completeness is judged on them)
    headline_rows: str = "true"  # which rows make the headline of a period (their volume is summed)
    volume: str  # the count column summed as the headline volume
    value: str | None = None  # a rate column: the headline value (one headline row per measure and period)
    limits: list[tuple[str, str]] = []  # (lower, upper) rate columns that must enclose ``value``
    unit: str | None = None  # column holding the registry's unit (measure tables)
    percent: list[str] = []  # rate columns that are percentages (0 to 100)
    # Which rows those are, and on which the numerator may not exceed the denominator; None: every row. Written in
    # the syntax pandas and DuckDB share (``unit == 'percent'``): GX evaluates it on the candidate frame.
    percent_rows: str | None = None

    @model_validator(mode="after")
    def _one_source_of_measures(self) -> GateSpec:
        if (self.measure is None) != bool(self.feeds) or (self.measure is None) != (self.drift is not None):
            raise ValueError("declare either measure (the registry gives feeds and drift) or feeds and drift")
        return self


class TableSpec(_Strict):
    name: str
    title: str
    description: str
    grain: str
    source: str  # schema.relation in the warehouse, e.g. marts.ed_four_hour_performance
    suite: str  # expectations/suites/<suite>.json
    keys: list[str]
    columns: list[Column]
    disclosure: Disclosure = Field(default_factory=Disclosure)
    exclude: RowExclusion | None = None
    gate: GateSpec

    @model_validator(mode="after")
    def _consistent(self) -> TableSpec:
        if not _NAME.match(self.name):
            raise ValueError(f"name must be lower-case letters, digits and underscores, found {self.name!r}")
        if not _RELATION.match(self.source):
            raise ValueError(f"source must be schema.relation in lower case, found {self.source!r}")
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError("column names must be unique")
        if self.disclosure.flag_column in names:
            raise ValueError(f"flag column {self.disclosure.flag_column!r} is added by disclosure; do not declare it")
        for key in self.keys:
            if key not in names or self.column(key).kind != "dimension":
                raise ValueError(f"key {key!r} must be a declared dimension column")
        counts = {c.name for c in self.columns if c.kind == "count"}
        gate_columns = [self.gate.period, self.gate.period_end, self.gate.measure, self.gate.organisation,
                        self.gate.unit]
        for name in filter(None, gate_columns):
            if name not in names or self.column(name).kind != "dimension":
                raise ValueError(f"gate column {name!r} must be a declared dimension column")
        if self.gate.value is not None and self.gate.value not in {c.name for c in self.columns if c.kind == "rate"}:
            raise ValueError(f"gate value {self.gate.value!r} must be a declared rate column")
        rates = {c.name for c in self.columns if c.kind == "rate"}
        for name in [*self.gate.percent, *(n for pair in self.gate.limits for n in pair)]:
            if name not in rates:
                raise ValueError(f"gate column {name!r} (percent or limits) must be a declared rate column")
        if self.gate.limits and self.gate.value is None:
            raise ValueError("gate limits need the gate value they enclose")
        if self.gate.volume not in counts:
            raise ValueError(f"gate volume {self.gate.volume!r} must be a declared count column")
        for col in self.columns:
            if col.kind == "rate" and (col.numerator not in counts or col.denominator not in counts):
                raise ValueError(f"rate {col.name!r} needs numerator and denominator naming count columns")
            if col.kind == "count" and col.type != "bigint":
                raise ValueError(f"count {col.name!r} must have type bigint")
            if col.kind == "rate" and col.type != "double":
                raise ValueError(f"rate {col.name!r} must have type double")
            if col.rule == "meets_target" and col.kind != "dimension":
                raise ValueError(f"rule meets_target of {col.name!r} belongs on a dimension column")
            if col.kind == "rate" and col.rule == "meets_target":
                raise ValueError(f"rate {col.name!r} cannot take rule meets_target")
            if (col.rule == "measure_limit") != (col.side is not None and col.confidence is not None):
                raise ValueError(f"column {col.name!r}: side and confidence go with rule measure_limit, and only it")
            if col.hidden_with is not None and (col.kind != "dimension" or col.hidden_with not in
                                                {c.name for c in self.columns if c.kind == "rate"}):
                raise ValueError(f"hidden_with of {col.name!r} must name a rate column, on a dimension column")
        measure_rules = [c.name for c in self.columns if c.rule and c.rule != "percent"]
        if (self.disclosure.profile == "registry" or measure_rules) and "measure_id" not in names:
            raise ValueError(f"profile 'registry' and the measure rules ({measure_rules}) need a measure_id column")
        return self

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def source_columns(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def output_columns(self) -> list[str]:
        """Published columns in order: the declared ones, then the suppression flag."""
        return [*self.source_columns, self.disclosure.flag_column]


def tables_dir(settings: Settings | None = None) -> Path:
    settings = settings or get_settings()
    return settings.project_root / "publish" / "tables"


def list_tables(settings: Settings | None = None) -> list[str]:
    """Names of every declared partner table, sorted."""
    return sorted(p.stem for p in tables_dir(settings).glob("*.yaml"))


def load_spec(name: str, settings: Settings | None = None) -> TableSpec:
    path = tables_dir(settings) / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(list_tables(settings)) or "none"
        raise SpecError(f"no publication spec for table {name!r} at {path} (declared tables: {known})")
    try:
        spec = TableSpec.model_validate(load_yaml(path.read_text(encoding="utf-8")))
    except ValidationError as exc:
        raise SpecError(f"publication spec {path} is invalid:\n{exc}") from exc
    if spec.name != name:
        raise SpecError(f"publication spec {path} declares name {spec.name!r}; it must match the file name")
    return spec
