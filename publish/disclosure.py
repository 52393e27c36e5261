"""Statistical disclosure control, applied last, to a frame of true (unrounded) counts.

Each row is put through a named profile (config/disclosure_profiles.py): the table's, or with ``profile:
registry`` its measure's ``disclosure_profile``; a partner's agreement may name a stricter one for its delivery.

1. Counts: a count the profile suppresses (1 to 7 under ``nhs_standard``, 0 to 4 under ``mhsds``) is published
   empty; every other count is rounded to the nearest multiple of the profile's base (halves up; 0 stays 0
   unless the profile suppresses it). A fractional count (a mean daily count) is judged and rounded as it is.
2. Secondary suppression (``totals: long_table``, publish/secondary.py): no group of rows that adds up to a
   published total is left with exactly one suppressed cell; and a mean daily count's two counts (one is the
   other divided by the days of the month) are suppressed together.
3. Derived columns (publish/derived.py): percentages, crude rates and their limits from the rounded counts;
   exempt statistics from the source, withheld when the count behind them is below the profile's minimum.
4. A dimension declared ``hidden_with`` a rate is published empty whenever that rate is.
5. ``flag_column`` is true on every row where a cell the source had a value for is published empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from config.disclosure_profiles import PROFILES, Profile, at_least_as_strict, get_profile
from config.measures import Measure, load_measures
from config.settings import Settings, get_settings
from publish.derived import LINKED_COUNTS, RULES, Context
from publish.secondary import long_table_groups, protect_totals
from publish.spec import TableSpec


@dataclass(frozen=True)
class Disclosed:
    frame: pd.DataFrame  # the publishable candidate, columns in spec order plus the flag
    suppressed_cells: int  # cells published empty that the source had a value for
    suppressed_by_column: dict[str, int]
    secondary_cells: int = 0  # count cells suppressed only to protect another (secondary suppression)
    profiles: tuple[str, ...] = ()  # the profiles applied


def measures_by_id(settings: Settings | None = None) -> dict[str, Measure]:
    """The measure registry by id (profiles, value types and polarities come from it)."""
    settings = settings or get_settings()
    return {m.id: m for m in load_measures(settings.measures_dir, settings.contracts_dir)}


def row_profiles(source: pd.DataFrame, spec: TableSpec, measures: Mapping[str, Measure] | None,
                 override: str | None = None) -> pd.Series:
    """Each row's profile name: the table's, or its measure's; ``override`` (an agreement's) replaces it only
    when it is at least as strict for every row (otherwise ValueError: an agreement may never loosen a rule)."""
    if spec.disclosure.profile == "registry":
        missing = sorted(set(source["measure_id"]) - set(measures))
        if missing:
            raise ValueError(f"table {spec.name!r}: measures {missing} are not in the registry")
        names = source["measure_id"].map({m: measure.disclosure_profile for m, measure in measures.items()})
    else:
        names = pd.Series(spec.disclosure.profile, index=source.index)
    if override is None:
        return names
    stricter = get_profile(override)
    looser = sorted(n for n in set(names) if not at_least_as_strict(stricter, PROFILES[n]))
    if looser:
        raise ValueError(f"profile {override!r} is looser than {looser} in some respect; an agreement may ask "
                         "for a stricter profile, never a looser one")
    return pd.Series(override, index=source.index)


def protect_counts(true: pd.Series, profiles: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(published counts as float with NaN where suppressed, suppressed mask) under each row's profile."""
    values = pd.to_numeric(true).astype("float64")
    below = _parameter(profiles, "suppress_below").astype("float64")
    zero = _parameter(profiles, "suppress_zero").astype(bool)
    base = _parameter(profiles, "round_to").astype("float64")
    hide = values.isna() | ((values > 0) & (values < below)) | ((values == 0) & zero) | (values < 0)
    rounded = np.floor((values + base / 2) / base) * base
    return rounded.mask(hide), hide


def apply_disclosure(source: pd.DataFrame, spec: TableSpec, measures: Mapping[str, Measure] | None = None,
                     profile: str | None = None) -> Disclosed:
    """Return the publishable candidate built from ``source`` (true counts) under the table's profiles
    (``profile``: an agreement's stricter one)."""
    source = source.reset_index(drop=True)
    if measures is None and "measure_id" in source:
        measures = measures_by_id()
    profiles = row_profiles(source, spec, measures, profile)
    published: dict[str, pd.Series] = {}
    hidden: dict[str, pd.Series] = {}
    counts = [c.name for c in spec.columns if c.kind == "count"]
    value_type = _by_measure(source, measures, "value_type")
    for name in counts:
        published[name], hidden[name] = protect_counts(source[name], profiles)
    primary = {name: hidden[name] for name in counts}
    _protect_linked_and_totals(source, spec, hidden, value_type, _parameter(profiles, "suppress_below"))
    for name in counts:
        published[name] = published[name].mask(hidden[name])
    secondary = sum(int((hidden[n] & ~primary[n]).sum()) for n in counts)
    ctx = Context(spec=spec, source=source, published=published, hidden=hidden,
                  exempt_min_count=_parameter(profiles, "exempt_min_count").astype("float64"),
                  value_type=value_type, polarity=_by_measure(source, measures, "polarity"))
    out = pd.DataFrame(index=source.index)
    for col in spec.columns:
        if col.kind == "rate" or col.rule is not None:
            values, hide = RULES[col.rule or "percent"](ctx, col)
            if col.kind == "rate":
                values = pd.to_numeric(values).astype("float64").round(col.decimals)
            published[col.name] = values.mask(hide)
            hidden[col.name] = hide
    for col in spec.columns:
        if col.kind == "count":
            out[col.name] = published[col.name].round().astype("Int64")  # multiples of the base: whole
        elif col.kind == "rate":
            out[col.name] = published[col.name]
        elif col.rule is not None:
            out[col.name] = published[col.name].astype(object).where(published[col.name].notna(), None)
        else:
            out[col.name] = source[col.name]
        if col.hidden_with is not None:
            out[col.name] = out[col.name].astype(object).mask(hidden[col.hidden_with], None)
    emptied = {c.name: out[c.name].isna() & source[c.name].notna() for c in spec.columns}
    by_column = {name: int(mask.sum()) for name, mask in emptied.items() if mask.any()}
    out[spec.disclosure.flag_column] = pd.concat(emptied.values(), axis=1).any(axis=1).astype(bool)
    return Disclosed(frame=out, suppressed_cells=sum(by_column.values()), suppressed_by_column=by_column,
                     secondary_cells=secondary, profiles=tuple(sorted(set(profiles))))


def _protect_linked_and_totals(source: pd.DataFrame, spec: TableSpec, hidden: dict[str, pd.Series],
                               value_type: pd.Series | None, suppress_below: pd.Series) -> None:
    """Secondary suppression (``totals: long_table``) and linked counts, until neither adds a cell: a mean daily
    count's numerator (patient-midnights) divided by the days of the month gives its denominator (the mean count)
    back, so on those rows one is hidden whenever the other is."""
    groups = long_table_groups(source) if spec.disclosure.totals == "long_table" else None
    value = next((c for c in spec.columns if c.rule == "measure_value"), None)
    linked = (value_type.isin(LINKED_COUNTS) if value is not None and value_type is not None
              else pd.Series(False, index=source.index))
    while True:
        before = sum(int(mask.sum()) for mask in hidden.values())
        if linked.any():
            both = (hidden[value.numerator] | hidden[value.denominator]) & linked
            hidden[value.numerator] = hidden[value.numerator] | both
            hidden[value.denominator] = hidden[value.denominator] | both
        if groups is not None:
            for name in list(hidden):
                hidden[name] = protect_totals(source[name], hidden[name], groups, suppress_below)
        if sum(int(mask.sum()) for mask in hidden.values()) == before:
            return


def _parameter(profiles: pd.Series, field: str) -> pd.Series:
    """Each row's value of one profile parameter (a dictionary lookup per distinct profile, not per row)."""
    return profiles.map({name: getattr(profile, field) for name, profile in PROFILES.items()})


def _by_measure(source: pd.DataFrame, measures: Mapping[str, Measure] | None, field: str) -> pd.Series | None:
    if measures is None or "measure_id" not in source:
        return None
    return source["measure_id"].map({m: getattr(measure, field) for m, measure in measures.items()})


def profile_rules(profile: Profile) -> str:
    zero = "0 included" if profile.suppress_zero else "0 stays 0"
    return (f"{profile.name}: counts below {profile.suppress_below} ({zero}) are published empty, others are "
            f"rounded to the nearest {profile.round_to}; exempt statistics are withheld when the count behind "
            f"them is below {profile.exempt_min_count}")


TOTALS_RULE = {
    "none": "the table has no total rows, so no secondary suppression is needed",
    "long_table": ("secondary suppression: no breakdown, organisations-to-system, places-to-system or "
                   "sites-to-organisation group is left with exactly one suppressed cell (complementary cell: the "
                   "smallest published part above 0, else the total)"),
}


def rule_summary(spec: TableSpec, profiles: tuple[str, ...] = ()) -> dict:
    """The rule set in plain words, for the manifest and the docs."""
    rules = spec.disclosure
    names = profiles or ((rules.profile,) if rules.profile != "registry" else ())
    derived = [c for c in spec.columns if c.kind == "rate"]
    return {
        "profile": rules.profile,
        "profiles": {n: PROFILES[n].model_dump() for n in names},
        "flag_column": rules.flag_column,
        "totals": rules.totals,
        "rules": [
            *(profile_rules(PROFILES[n]) for n in names),
            *(f"{c.name} ({c.rule or 'percent'}) is computed from the published (rounded) {c.numerator} and "
              f"{c.denominator} for percentages and crude rates, published to {c.decimals} decimal place(s), "
              "and empty when either is suppressed; exempt statistics come from the true counts and are empty "
              "when the count behind them is below the profile's minimum" for c in derived),
            *(f"{c.name} is empty whenever {c.hidden_with} is" for c in spec.columns if c.hidden_with),
            f"{rules.flag_column} is true on every row with at least one empty (suppressed) cell",
            TOTALS_RULE[rules.totals],
            *([f"rows where {spec.exclude.where} are not published: {spec.exclude.reason}"] if spec.exclude else []),
        ],
    }
