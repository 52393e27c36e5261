"""The quality gate's expectation suites, generated from one declaration per table.

A partner table is declared three times over by design, each by the part of the project that owns it: the mart's
dbt contract (column types, not-null constraints, accepted values), the publication spec (published columns in
order, keys, kinds, disclosure rules, what the gate judges completeness and drift on) and the measure registry
(measure ids and units). The suites are generated from those three, never written by hand, and
:func:`disagreements` lists where they contradict each other (a test fails on any).

Each table has four suites, one per batch the gate validates (``publish.gate``):

- ``<suite>``: the candidate itself (schema, keys, not-null, accepted values, plausibility, disclosure);
- ``<suite>.schema``: one row per published column, the type written in the Parquet file against the declared one;
- ``<suite>.coverage``: one row per expected organisation x measure x period, present, explained or missing, and
  one row per published period, inside or outside the periods delivered (``publish.coverage``);
- ``<suite>.drift``: one row per measure x period x figure compared with the live version (``publish.drift``).

``outcomes contracts sync`` writes them to ``expectations/suites/`` (committed, so a change is reviewed);
``tests/publish/test_gate_suites.py`` fails when the committed files differ from what the declarations generate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.disclosure_profiles import get_profile
from config.measures import Unit, load_measures
from config.settings import Settings, get_settings
from config.yaml_text import load_yaml
from publish.errors import SpecError
from publish.spec import TableSpec, list_tables, load_spec

GX_VERSION = "1.24.1"
# Published types as the Parquet file holds them (publish/files.py), by declared spec type.
ARROW_TYPE = {"varchar": "string", "date": "date32[day]", "bigint": "int64", "double": "double", "boolean": "bool"}
# Mart contract types a published column of each spec type may come from (counts are rounded to bigint).
_FROM_MART = {"varchar": {"varchar"}, "date": {"date"}, "bigint": {"bigint", "integer", "double"},
              "double": {"double"}, "boolean": {"boolean"}}
COVERAGE_KEYS = ["check", "measure_id", "organisation", "period_start"]
DRIFT_KEYS = ["measure_id", "period_start", "figure"]


@dataclass(frozen=True)
class MartColumn:
    name: str
    data_type: str
    not_null: bool
    accepted: tuple[str, ...] | None


@dataclass(frozen=True)
class CountRule:
    """What a published count may be under one disclosure profile: empty, zero (if the profile publishes zeros),
    or at least ``lowest_published`` and a multiple of ``rounding_base``; ``rows`` (a pandas condition) limits it
    to the rows that take the profile (with ``profile: registry``, its measures' rows)."""

    profile: str
    lowest_published: int
    zero_published: bool
    rounding_base: int
    rows: str | None = None

    @property
    def forbidden(self) -> list[int]:
        return [*([] if self.zero_published else [0]), *range(1, self.lowest_published)]


def _rule(name: str, rows: str | None = None) -> CountRule:
    profile = get_profile(name)
    return CountRule(profile=name, lowest_published=profile.smallest_published(),
                     zero_published=not profile.suppress_zero, rounding_base=profile.round_to, rows=rows)


def count_rules(spec: TableSpec, settings: Settings) -> list[CountRule]:
    """The table's count rules, read from the same profiles the publication applies (config/disclosure_profiles.py):
    one for a table with a fixed profile; with ``profile: registry`` one per profile the registry's measures name,
    each on the rows of its measures (the spec's ``gate.measure`` column)."""
    if spec.disclosure.profile != "registry":
        return [_rule(spec.disclosure.profile)]
    if not spec.gate.measure:
        raise SpecError(f"{spec.name}: disclosure profile 'registry' needs gate.measure (the measure id column)")
    by_profile: dict[str, list[str]] = {}
    for m in load_measures(settings.measures_dir, settings.contracts_dir):
        by_profile.setdefault(m.disclosure_profile, []).append(m.id)
    return [_rule(name, f"{spec.gate.measure} in {sorted(ids)!r}") for name, ids in sorted(by_profile.items())]


def mart_contract(spec: TableSpec, settings: Settings) -> dict[str, MartColumn]:
    """The enforced dbt contract of the spec's source model, by column name, from the marts' YAML files."""
    relation = spec.source.split(".")[1]
    for path in sorted((settings.dbt_project_dir / "models" / "marts").rglob("*.yml")):
        for model in (load_yaml(path.read_text(encoding="utf-8")) or {}).get("models") or []:
            if model.get("name") == relation:
                return {c["name"]: _mart_column(c) for c in model.get("columns") or []}
    raise SpecError(f"no dbt model {relation!r} (source of {spec.name!r}) in {settings.dbt_project_dir}/models/marts")


def _mart_column(column: dict) -> MartColumn:
    not_null = any(c.get("type") == "not_null" for c in column.get("constraints") or [])
    accepted = None
    for test in column.get("data_tests") or []:
        if isinstance(test, dict) and "accepted_values" in test:
            args = test["accepted_values"].get("arguments", test["accepted_values"])
            accepted = tuple(str(v) for v in args["values"])
    return MartColumn(column["name"], str(column.get("data_type", "")).lower(), not_null, accepted)


def disagreements(spec: TableSpec, contract: dict[str, MartColumn]) -> list[str]:
    """Where the publication spec contradicts the mart contract, one sentence each (empty when they agree)."""
    problems = []
    for col in spec.columns:
        mart = contract.get(col.name)
        if mart is None:
            problems.append(f"{spec.name}: column {col.name!r} is published but not in the contract of {spec.source}")
        elif mart.data_type not in _FROM_MART[col.type]:
            problems.append(f"{spec.name}: column {col.name!r} is published as {col.type} but {spec.source} "
                            f"declares {mart.data_type}")
    for key in spec.keys:
        if key in contract and not contract[key].not_null:
            problems.append(f"{spec.name}: key {key!r} has no not_null constraint in the contract of {spec.source}")
    return problems


def _expect(kind: str, description: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "description": description, "meta": {}, "severity": "critical"}


def _suite(name: str, notes: str, expectations: list[dict]) -> dict[str, Any]:
    return {"name": name, "id": None, "meta": {"great_expectations_version": GX_VERSION, "generated_by":
            "publish/suites.py"}, "notes": notes, "expectations": expectations}


def candidate_suite(spec: TableSpec, settings: Settings) -> dict[str, Any]:
    """Schema, keys, not-null, accepted values, plausibility and disclosure on the published rows."""
    contract = mart_contract(spec, settings)
    problems = disagreements(spec, contract)
    if problems:
        raise SpecError("publication spec and mart contract disagree:\n  " + "\n  ".join(problems))
    e = [_expect("expect_table_columns_to_match_ordered_list", "The table has exactly the published columns, "
                 "in order", column_list=spec.output_columns),
         _expect("expect_table_row_count_to_be_between", "The table has at least one row", min_value=1),
         _expect("expect_compound_columns_to_be_unique", f"Each {', '.join(spec.keys)} appears once",
                 column_list=spec.keys)]
    for col in spec.columns:
        if col.kind == "dimension" and contract[col.name].not_null and not col.hidden_with:
            e.append(_expect("expect_column_values_to_not_be_null", f"Every row has a {col.name}", column=col.name))
    e.append(_expect("expect_column_values_to_not_be_null", f"Every row has its {spec.disclosure.flag_column} flag",
                     column=spec.disclosure.flag_column))
    for name, values in _value_sets(spec, contract, settings).items():
        e.append(_expect("expect_column_values_to_be_in_set", f"{name} is one of {', '.join(values)}",
                         column=name, value_set=list(values)))
    e += _plausibility(spec) + _disclosure(spec, settings)
    return _suite(spec.suite, f"Quality gate for the published {spec.name}, generated from {spec.source}'s "
                  f"contract, publish/tables/{spec.name}.yaml and the measure registry.", e)


def _value_sets(spec: TableSpec, contract: dict[str, MartColumn], settings: Settings) -> dict[str, tuple[str, ...]]:
    sets = {c.name: contract[c.name].accepted for c in spec.columns if contract[c.name].accepted}
    if spec.gate.measure:
        registry = load_measures(settings.measures_dir, settings.contracts_dir)
        sets[spec.gate.measure] = tuple(sorted(m.id for m in registry))
        if spec.gate.unit:
            sets[spec.gate.unit] = tuple(Unit.__args__)
    return sets


def _plausibility(spec: TableSpec) -> list[dict]:
    g = spec.gate
    e = []
    for col in spec.columns:
        if col.kind in ("count", "rate"):
            e.append(_expect("expect_column_values_to_be_between", f"{col.name} is not negative (or empty)",
                             column=col.name, min_value=0))
    percent = {"row_condition": g.percent_rows, "condition_parser": "pandas"} if g.percent_rows else {}
    where = f" where {g.percent_rows}" if g.percent_rows else ""
    for name in g.percent:
        e.append(_expect("expect_column_values_to_be_between", f"{name} is a percentage between 0 and 100 "
                         f"(or empty){where}", column=name, min_value=0, max_value=100, **percent))
    pairs = sorted({(c.numerator, c.denominator) for c in spec.columns if c.kind == "rate"})
    for numerator, denominator in pairs:
        e.append(_expect("expect_column_pair_values_a_to_be_greater_than_b", f"{numerator} is not above "
                         f"{denominator}{where}", column_A=denominator, column_B=numerator, or_equal=True,
                         ignore_row_if="either_value_is_missing", **percent))
    for lower, upper in g.limits:
        e.append(_expect("expect_column_pair_values_a_to_be_greater_than_b", f"{lower} is not above {g.value}",
                         column_A=g.value, column_B=lower, or_equal=True, ignore_row_if="either_value_is_missing"))
        e.append(_expect("expect_column_pair_values_a_to_be_greater_than_b", f"{upper} is not below {g.value}",
                         column_A=upper, column_B=g.value, or_equal=True, ignore_row_if="either_value_is_missing"))
    if g.period_end:
        e.append(_expect("expect_column_pair_values_a_to_be_greater_than_b", f"{g.period_end} is not before "
                         f"{g.period}", column_A=g.period_end, column_B=g.period, or_equal=True,
                         ignore_row_if="either_value_is_missing"))
    return e


def _disclosure(spec: TableSpec, settings: Settings) -> list[dict]:
    e = []
    for rule in count_rules(spec, settings):
        if rule.rounding_base not in (1, 5, 10):
            raise SpecError(f"{spec.name}: the gate checks rounding bases 1, 5 and 10; found {rule.rounding_base}")
        digits = {1: "[0-9]", 5: "[05]", 10: "0"}[rule.rounding_base]
        where = {"row_condition": rule.rows, "condition_parser": "pandas"} if rule.rows else {}
        scope = f" ({rule.profile} measures)" if rule.rows else ""
        for col in (c for c in spec.columns if c.kind == "count"):
            e.append(_expect("expect_column_values_to_not_be_in_set", f"No published {col.name}{scope} is a count "
                             f"the disclosure rules ({rule.profile}) forbid: {_ranges(rule.forbidden)}",
                             column=col.name, value_set=rule.forbidden, **where))
            e.append(_expect("expect_column_values_to_match_regex", f"Every published {col.name}{scope} is a "
                             f"multiple of {rule.rounding_base} (or empty)", column=col.name,
                             regex=f"^[0-9]*{digits}$", **where))
        if spec.gate.unit and spec.gate.value:
            counted = f"{spec.gate.unit} == 'count'" + (f" and {rule.rows}" if rule.rows else "")
            e.append(_expect("expect_column_values_to_not_be_in_set", f"A count-valued measure's {spec.gate.value}"
                             f"{scope} is a published count: never {_ranges(rule.forbidden)}",
                             column=spec.gate.value, value_set=rule.forbidden, row_condition=counted,
                             condition_parser="pandas"))
    return e


def _ranges(values: list[int]) -> str:
    if not values:
        return "none"
    return f"{values[0]} to {values[-1]}" if values == list(range(values[0], values[-1] + 1)) else str(values)


def schema_suite(spec: TableSpec) -> dict[str, Any]:
    return _suite(f"{spec.suite}.schema", f"The types written in {spec.name}'s Parquet file, one row per column.", [
        _expect("expect_column_values_to_be_in_set", "Every published column was declared", column="declared_type",
                value_set=sorted(set(ARROW_TYPE.values()))),
        _expect("expect_column_pair_values_to_be_equal", "Every published column has its declared type",
                column_A="published_type", column_B="declared_type"),
    ])


def coverage_suite(spec: TableSpec) -> dict[str, Any]:
    return _suite(f"{spec.suite}.coverage", f"What {spec.name} should hold, by the ledger and the registry.", [
        _expect("expect_column_values_to_be_in_set", "Every expected organisation x measure x period is published, "
                "or its absence is explained by a refused file in the ledger (carried to partners as a caveat); "
                "every published period lies inside the periods delivered", column="status",
                value_set=["present", "explained", "inside"]),
    ])


def drift_suite(spec: TableSpec) -> dict[str, Any]:
    return _suite(f"{spec.suite}.drift", f"{spec.name} against its live version: each figure within the "
                  "tolerances declared per measure (bounds derived from the live figure), unless a resubmission in "
                  "the ledger explains the change", [
        _expect("expect_column_pair_values_a_to_be_greater_than_b", "No figure falls below its lowest allowed value",
                column_A="candidate", column_B="lowest_allowed", or_equal=True),
        _expect("expect_column_pair_values_a_to_be_greater_than_b", "No figure rises above its highest allowed value",
                column_A="highest_allowed", column_B="candidate", or_equal=True),
    ])


def table_suites(spec: TableSpec, settings: Settings) -> list[dict[str, Any]]:
    return [candidate_suite(spec, settings), schema_suite(spec), coverage_suite(spec), drift_suite(spec)]


def suite_path(name: str, settings: Settings) -> Path:
    return settings.expectations_dir / "suites" / f"{name}.json"


def rendered(settings: Settings | None = None) -> dict[Path, str]:
    """Every declared table's suites as the JSON text committed under expectations/suites/."""
    settings = settings or get_settings()
    out = {}
    for table in list_tables(settings):
        for suite in table_suites(load_spec(table, settings), settings):
            out[suite_path(suite["name"], settings)] = json.dumps(suite, indent=2) + "\n"
    return out


def sync(settings: Settings | None = None, check: bool = False) -> bool:
    """Write the generated suites (``check``: only compare). True when the files were (or are) current; stale
    generated suites of tables no longer declared are removed."""
    settings = settings or get_settings()
    wanted = rendered(settings)
    folder = settings.expectations_dir / "suites"
    stale = [p for p in folder.glob("*.json") if p not in wanted]
    changed = [p for p, text in wanted.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
    if check:
        return not stale and not changed
    folder.mkdir(parents=True, exist_ok=True)
    for path in changed:
        path.write_text(wanted[path], encoding="utf-8")
    for path in stale:
        path.unlink()
    return True
