"""Statistical disclosure control, applied last, to a frame of true (unrounded) counts.

Rules (one rule set per output, declared in the table's spec):

1. A count below ``threshold`` (0 included) is suppressed: published empty.
2. Every other count is rounded to the nearest multiple of ``rounding_base`` (halves up). The spec refuses a
   threshold that would round below itself, so a published count is never between 1 and threshold - 1. A
   count may be fractional (a mean daily count's denominator is the sum of 1 / days in the month per
   patient-day): it is compared with the threshold and rounded as it is.
3. A rate is taken from the source (computed there from the true counts) and rounded to its ``decimals``.
   It is suppressed when its numerator or denominator is suppressed, or when the complement
   (denominator - numerator, e.g. attendances not seen within four hours) is between 1 and threshold - 1,
   because an exact rate next to its denominator would reveal that small number.
4. A dimension declared ``hidden_with`` a rate (e.g. whether the value meets its target) is published empty
   whenever that rate is.
5. ``flag_column`` is true on every row where at least one cell was suppressed.

There is no secondary suppression: a spec declares ``totals: none`` (no row adds up to others) or
``not_protected`` (rows add up to others; said in every manifest until it is implemented; docs/publication.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from publish.spec import TableSpec

TOTALS_RULE = {
    "none": "the table has no total rows, so no secondary suppression is needed",
    "not_protected": ("the table has rows that add up to others (breakdowns to their area, organisations to the "
                      "system) and no secondary suppression yet: a suppressed cell may be narrowed down by "
                      "difference, within the rounding of the cells around it"),
}


@dataclass(frozen=True)
class Disclosed:
    frame: pd.DataFrame  # the publishable candidate, columns in spec order plus the flag
    suppressed_cells: int  # cells published empty
    suppressed_by_column: dict[str, int]


def apply_disclosure(source: pd.DataFrame, spec: TableSpec) -> Disclosed:
    """Return the publishable candidate built from ``source`` (true counts) under ``spec.disclosure``."""
    rules = spec.disclosure
    out = pd.DataFrame(index=source.index)
    hidden: dict[str, pd.Series] = {}
    for col in spec.columns:
        if col.kind == "count":
            true = pd.to_numeric(source[col.name]).astype("float64")
            hide = (true < rules.threshold) | true.isna()
            rounded = np.floor((true + rules.rounding_base / 2) / rules.rounding_base) * rules.rounding_base
            out[col.name] = rounded.astype("Int64").mask(hide)
            hidden[col.name] = hide
        elif col.kind == "dimension":
            out[col.name] = source[col.name]
    for col in spec.columns:
        if col.kind != "rate":
            continue
        numerator = pd.to_numeric(source[col.numerator]).astype("float64")
        denominator = pd.to_numeric(source[col.denominator]).astype("float64")
        complement = denominator - numerator
        small_complement = ((complement >= 1) & (complement < rules.threshold)) | complement.isna()
        hide = hidden[col.numerator] | hidden[col.denominator] | small_complement
        value = pd.to_numeric(source[col.name]).astype("float64").round(col.decimals)
        out[col.name] = value.mask(hide | value.isna(), np.nan)
        hidden[col.name] = hide
    for col in spec.columns:
        if col.hidden_with is not None:
            out[col.name] = source[col.name].astype(object).mask(hidden[col.hidden_with], None)
            hidden[col.name] = hidden[col.hidden_with]
    out = out[spec.source_columns]
    flags = pd.concat(hidden.values(), axis=1).any(axis=1) if hidden else pd.Series(False, index=out.index)
    out[rules.flag_column] = flags.astype(bool)
    by_column = {name: int(mask.sum()) for name, mask in hidden.items()}
    return Disclosed(
        frame=out.reset_index(drop=True),
        suppressed_cells=sum(by_column.values()),
        suppressed_by_column=by_column,
    )


def rule_summary(spec: TableSpec) -> dict:
    """The rule set in plain words, for the manifest and the docs."""
    rules = spec.disclosure
    rates = [c for c in spec.columns if c.kind == "rate"]
    return {
        "threshold": rules.threshold,
        "rounding_base": rules.rounding_base,
        "flag_column": rules.flag_column,
        "totals": rules.totals,
        "rules": [
            f"counts below {rules.threshold} (including 0) are published empty",
            f"other counts are rounded to the nearest {rules.rounding_base} (halves up)",
            *(
                f"{c.name} is computed from the true unrounded {c.numerator} and {c.denominator}, published to "
                f"{c.decimals} decimal place(s), and empty when either count is suppressed or "
                f"{c.denominator} - {c.numerator} is between 1 and {rules.threshold - 1}"
                for c in rates
            ),
            *(f"{c.name} is empty whenever {c.hidden_with} is" for c in spec.columns if c.hidden_with),
            f"{rules.flag_column} is true on every row with at least one empty (suppressed) cell",
            TOTALS_RULE[rules.totals],
            *([f"rows where {spec.exclude.where} are not published: {spec.exclude.reason}"] if spec.exclude else []),
        ],
    }
