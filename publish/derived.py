"""Columns derived at publication from the published (rounded) counts, or withheld: the rules a spec column
names with ``rule:`` (docs/publication.md, "Disclosure rules").

Percentages and crude rates, and their confidence limits, are computed from the rounded counts (NHS England's
rule for hospital and emergency care statistics), so they say nothing the rounded counts do not. Statistics
that are not a ratio of two published counts (a mean or median length of stay, and later standardised rates
and inequality indices) are taken from the source, computed there from the true counts, and withheld when the
count behind them is suppressed or below the profile's ``exempt_min_count``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from publish.spec import Column, TableSpec
from stats.poisson import byars_lower, byars_upper
from stats.wilson import wilson_lower, wilson_upper

CRUDE = {"proportion": 100.0, "rate": 100_000.0}  # value_type -> multiplier of numerator / denominator
# value types computed from unrounded data (their limits too), withheld when the count they stand on is below
# exempt_min_count: the records behind a mean or median, the events behind a directly standardised rate
EXEMPT_COUNT = {"mean": "denominator", "median": "denominator", "dsr": "numerator"}
EXEMPT = set(EXEMPT_COUNT)
AS_COUNT = {"count": "numerator", "mean_daily_count": "denominator"}  # the value is that published count
VALUE_TYPES = set(CRUDE) | EXEMPT | set(AS_COUNT)
# value types whose numerator gives their denominator back (patient-midnights / days = the mean daily count):
# their two counts are suppressed together
LINKED_COUNTS = {"mean_daily_count"}


@dataclass
class Context:
    """What the rules read: the source (true), the published counts and what is hidden so far, by column."""

    spec: TableSpec
    source: pd.DataFrame
    published: dict[str, pd.Series]  # float, NaN where hidden
    hidden: dict[str, pd.Series]
    exempt_min_count: pd.Series  # per row, from its profile
    value_type: pd.Series | None  # per row, from the registry (None for tables without measures)
    polarity: pd.Series | None

    def value_column(self) -> str:
        return next(c.name for c in self.spec.columns if c.rule == "measure_value")


Rule = Callable[[Context, Column], tuple[pd.Series, pd.Series]]  # -> (values, hidden)


def _counts(ctx: Context, col: Column) -> tuple[pd.Series, pd.Series, pd.Series]:
    numerator, denominator = ctx.published[col.numerator], ctx.published[col.denominator]
    hide = ctx.hidden[col.numerator] | ctx.hidden[col.denominator] | (denominator == 0) | denominator.isna()
    return numerator.where(~hide), denominator.where(~hide), hide


def percent(ctx: Context, col: Column) -> tuple[pd.Series, pd.Series]:
    numerator, denominator, hide = _counts(ctx, col)
    return 100.0 * numerator / denominator, hide


def _checked_types(ctx: Context) -> pd.Series:
    unknown = sorted(set(ctx.value_type.dropna()) - VALUE_TYPES)
    if unknown:
        raise ValueError(f"value types {unknown} have no disclosure rule in publish/derived.py (crude ratios are "
                         "computed from rounded counts, others are exempt statistics): add them before publishing")
    return ctx.value_type


def measure_value(ctx: Context, col: Column) -> tuple[pd.Series, pd.Series]:
    kinds = _checked_types(ctx)
    numerator, denominator, hide = _counts(ctx, col)
    value = pd.Series(np.nan, index=ctx.source.index)
    hidden = pd.Series(True, index=ctx.source.index)
    for kind, multiplier in CRUDE.items():
        rows = kinds == kind
        value[rows] = (multiplier * numerator / denominator)[rows]
        hidden[rows] = hide[rows]
    for kind, count in AS_COUNT.items():
        rows = kinds == kind
        name = col.numerator if count == "numerator" else col.denominator
        value[rows] = ctx.published[name][rows]
        hidden[rows] = ctx.hidden[name][rows]
    for kind, count in EXEMPT_COUNT.items():
        rows = kinds == kind
        name = col.numerator if count == "numerator" else col.denominator
        behind = pd.to_numeric(ctx.source[name]).astype("float64")
        value[rows] = pd.to_numeric(ctx.source[col.name]).astype("float64")[rows]
        hidden[rows] = (ctx.hidden[name] | (behind < ctx.exempt_min_count))[rows]
    return value, hidden


def measure_limit(ctx: Context, col: Column) -> tuple[pd.Series, pd.Series]:
    """Wilson limits of a proportion and Byar's of a crude rate, from the rounded counts; other value types'
    limits from the source (none today), withheld with the value."""
    kinds = _checked_types(ctx)
    numerator, denominator, _ = _counts(ctx, col)
    hidden = ctx.hidden[ctx.value_column()]
    limit = pd.to_numeric(ctx.source[col.name]).astype("float64").where(kinds.isin(EXEMPT))
    proportion = (kinds == "proportion") & ~hidden
    if proportion.any():
        wilson = wilson_lower if col.side == "lower" else wilson_upper
        limit[proportion] = 100.0 * wilson(numerator[proportion], denominator[proportion], col.confidence)
    rate = (kinds == "rate") & ~hidden
    if rate.any():
        byar = byars_lower if col.side == "lower" else byars_upper
        limit[rate] = CRUDE["rate"] * byar(numerator[rate], col.confidence) / denominator[rate]
    return limit, hidden


def best_value(ctx: Context, col: Column) -> tuple[pd.Series, pd.Series]:
    """The best published value among the areas of the same type, measure, period and breakdown value (the
    system has none); by the measure's polarity, none without one."""
    name = ctx.value_column()
    value = ctx.published[name].where(~ctx.hidden[name])
    keys = [ctx.source[k] for k in ("measure_id", "period_start", "period_end", "area_type", "breakdown",
                                    "breakdown_value")]
    best = pd.Series(np.nan, index=ctx.source.index)
    for polarity, how in (("higher_is_better", "max"), ("lower_is_better", "min")):
        rows = ctx.polarity == polarity
        best[rows] = value.groupby(keys).transform(how)[rows]
    hide = ctx.hidden[name] | (ctx.source["area_type"] == "system") | best.isna()
    return best, hide


def gap_to_best(ctx: Context, col: Column) -> tuple[pd.Series, pd.Series]:
    best = next(c.name for c in ctx.spec.columns if c.rule == "best_value")
    value = ctx.value_column()
    hide = ctx.hidden[best] | ctx.hidden[value]
    return (ctx.published[best] - ctx.published[value]).abs(), hide


def meets_target(ctx: Context, col: Column) -> tuple[pd.Series, pd.Series]:
    """Whether the published value meets the target, by the measure's polarity; empty with the value."""
    value = ctx.published[ctx.value_column()]
    target = pd.to_numeric(ctx.source["target"]).astype("float64")
    meets = pd.Series(None, index=ctx.source.index, dtype=object)
    higher, lower = ctx.polarity == "higher_is_better", ctx.polarity == "lower_is_better"
    meets[higher] = (value >= target)[higher]
    meets[lower] = (value <= target)[lower]
    hide = ctx.hidden[ctx.value_column()] | target.isna() | ~(higher | lower)
    return meets.mask(hide, None), hide


RULES: dict[str, Rule] = {"percent": percent, "measure_value": measure_value, "measure_limit": measure_limit,
                          "best_value": best_value, "gap_to_best": gap_to_best, "meets_target": meets_target}
