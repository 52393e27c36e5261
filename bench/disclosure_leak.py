"""How many true counts can be worked back out of a published cell: the leak issue 15 measured, before and after
the disclosure profiles.

For every true cell (numerator n of denominator d, n <= d), the published tuple is (published n, published d,
percentage). An attacker who sees a tuple knows the true cell exactly when no other (n', d') publishes the same
tuple. The share of cells with d in a range whose tuple is unique is the share recoverable.

- before: counts below 10 suppressed, others rounded to 5; the percentage from the TRUE counts to one decimal
  (empty when a count is suppressed or 1 to 9 of the denominator are not in the numerator): the rule the
  publication used until this change, written out here.
- after: the real publish.disclosure under nhs_standard (percentages from the rounded counts).

Run: ``python bench/disclosure_leak.py`` (or ``python -m bench leak``); writes bench/results/disclosure_leak.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from publish.disclosure import apply_disclosure  # noqa: E402
from publish.spec import load_spec  # noqa: E402

RANGES = [(10, 49), (100, 199), (200, 499)]
MARGIN = 10  # denominators up to the range's top + this are candidates too (they can publish the same tuple)


def all_cells(top: int) -> pd.DataFrame:
    """Every true (n, d) with 0 <= n <= d <= top."""
    d = np.repeat(np.arange(top + 1), np.arange(top + 1) + 1)
    n = np.concatenate([np.arange(k + 1) for k in range(top + 1)])
    return pd.DataFrame({"n": n, "d": d})


def published_before(cells: pd.DataFrame) -> pd.DataFrame:
    n, d = cells["n"].to_numpy(float), cells["d"].to_numpy(float)
    hide_n, hide_d = n < 10, d < 10
    complement = d - n
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.round(100 * n / d, 1)
    hide_pct = hide_n | hide_d | ((complement >= 1) & (complement < 10))
    return pd.DataFrame({"pn": np.where(hide_n, np.nan, np.floor((n + 2.5) / 5) * 5),
                         "pd": np.where(hide_d, np.nan, np.floor((d + 2.5) / 5) * 5),
                         "pct": np.where(hide_pct, np.nan, pct)})


def published_after(cells: pd.DataFrame) -> pd.DataFrame:
    spec = load_spec("ed_four_hour_performance")
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100 * cells["n"] / cells["d"]
    source = pd.DataFrame({"organisation_code": "X", "month": None, "imd_quintile": np.arange(len(cells)).astype(str),
                           "attendances": cells["d"], "within_four_hours": cells["n"], "pct_within_four_hours": pct})
    out = apply_disclosure(source, spec).frame
    return pd.DataFrame({"pn": out["within_four_hours"].astype("float64"),
                         "pd": out["attendances"].astype("float64"), "pct": out["pct_within_four_hours"]})


def recoverable_shares(publish) -> dict[str, dict[str, float]]:
    """For each denominator range ("10-49", ...): the share of all its cells whose true counts are recoverable,
    and the share among the cells published with a percentage (the issue's measure)."""
    cells = all_cells(max(high for _, high in RANGES) + MARGIN)
    published = publish(cells).astype("float64")
    tuples = published.fillna(-1.0)  # -1: empty (suppressed)
    multiplicity = tuples.groupby(list(tuples.columns))["pn"].transform("size")
    unique = (multiplicity == 1).to_numpy()
    with_pct = published["pct"].notna().to_numpy()
    shares = {}
    for low, high in RANGES:
        rows = ((cells["d"] >= low) & (cells["d"] <= high)).to_numpy()
        shares[f"{low}-{high}"] = {"all_cells": round(float(unique[rows].mean()), 4),
                                   "cells_with_a_percentage": round(float(unique[rows & with_pct].mean()), 4)}
    return shares


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    result = {"before": recoverable_shares(published_before), "after": recoverable_shares(published_after)}
    out = Path(__file__).resolve().parent / "results" / "disclosure_leak.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    for rule, shares in result.items():
        print(f"{rule}: " + ", ".join(f"{k} attendances {v['cells_with_a_percentage']:.0%} of cells with a "
                                      f"percentage ({v['all_cells']:.0%} of all) recoverable"
                                      for k, v in shares.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
