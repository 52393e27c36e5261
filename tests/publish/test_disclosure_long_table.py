"""Disclosure control of the long table (measure_values) under nhs_standard: an attacker who reads the published
rows, differences totals against their parts (breakdown values against the ``all`` row, organisations against the
system, sites against their organisation) and recomputes percentages learns no count of 1 to 7."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publish.disclosure import apply_disclosure, measures_by_id
from publish.spec import load_spec

SPEC = load_spec("measure_values")
MEASURES = measures_by_id()
APRIL = (dt.date(2025, 4, 1), dt.date(2025, 4, 30))
SEXES, QUINTILES = ["1", "2", "unknown"], ["1", "2", "3"]
PLACES = ["E06000019", "E10000034", "neither"]
COUNTS = ["numerator", "denominator"]


@st.composite
def finest_cells(draw):
    """True counts at the finest level (site x sex x quintile), mostly small, for 1-2 organisations of 1-2 sites;
    each cell's people live in one of two places or in neither (so the places fall short of the system)."""
    count = st.one_of(st.integers(0, 9), st.integers(0, 60))
    sites = [f"{org}{n}" for org in draw(st.sampled_from([["RWP"], ["RWP", "RLQ"]]))
             for n in range(50, 50 + draw(st.integers(1, 2)))]
    cells = []
    for site, sex, quintile in itertools.product(sites, SEXES, QUINTILES):
        a, b = draw(count), draw(count)
        cells.append({"site": site, "org": site[:3], "sex": sex, "quintile": quintile,
                      "place": draw(st.sampled_from(PLACES)), "numerator": min(a, b), "denominator": max(a, b)})
    return pd.DataFrame(cells)


def long_table(cells: pd.DataFrame) -> pd.DataFrame:
    """The measure_values rows the cells add up to: system, places, organisations and sites, each by all, sex and
    IMD."""
    rows = []
    for area_type, area_of in (("system", lambda c: "QGH"), ("organisation", lambda c: c["org"]),
                               ("site", lambda c: c["site"]), ("place", lambda c: c["place"])):
        framed = cells.assign(area_code=area_of)
        if area_type == "place":
            framed = framed[framed["area_code"] != "neither"]
        for breakdown, column in (("all", None), ("sex", "sex"), ("imd_quintile", "quintile")):
            keys = ["area_code"] + ([column] if column else [])
            for key, part in framed.groupby(keys):
                key = key if isinstance(key, tuple) else (key,)
                n, d = part["numerator"].sum(), part["denominator"].sum()
                value = 100 * n / d if d else None
                rows.append({
                    "measure_id": "ed_4h_all_types", "period_type": "month", "period_start": APRIL[0],
                    "period_end": APRIL[1], "area_type": area_type, "area_code": key[0], "breakdown": breakdown,
                    "breakdown_value": key[1] if column else "all", "numerator": float(n), "denominator": float(d),
                    "value": value, "lower_95": None, "upper_95": None, "lower_998": None, "upper_998": None,
                    "unit": "percent", "target": 78.0, "meets_target": None if value is None else value >= 78,
                    "best_value": None, "gap_to_best": None, "registry_version": 1})
    return pd.DataFrame(rows, columns=SPEC.source_columns)


def relations(table: pd.DataFrame) -> list[tuple[int, list[int], bool]]:
    """(total row, part rows, exact) for every sum the attacker knows, found from the table's labels alone; the
    places are not exact (the system holds residents of neither place too)."""
    by = table.reset_index(drop=True)
    index = {tuple(r): i for i, r in by[["area_type", "area_code", "breakdown", "breakdown_value"]].iterrows()}
    found = []
    for (area_type, area_code), rows in by.groupby(["area_type", "area_code"]):
        for breakdown in ("sex", "imd_quintile"):
            parts = rows.index[rows["breakdown"] == breakdown].tolist()
            found.append((index[(area_type, area_code, "all", "all")], parts, True))
    for (breakdown, value), rows in by.groupby(["breakdown", "breakdown_value"]):
        orgs = rows[rows["area_type"] == "organisation"]
        found.append((index[("system", "QGH", breakdown, value)], orgs.index.tolist(), True))
        places = rows[rows["area_type"] == "place"]
        found.append((index[("system", "QGH", breakdown, value)], places.index.tolist(), False))
        for org in orgs["area_code"]:
            sites = rows[(rows["area_type"] == "site") & rows["area_code"].str.startswith(org)]
            found.append((index[("organisation", org, breakdown, value)], sites.index.tolist(), True))
    return found


def attacker_interval(published: pd.Series, total: int, parts: list[int], target: int) -> tuple[float, float]:
    """What differencing ``total`` against ``parts`` says about ``target``: a published count p means a true count
    in [p - 2, p + 2] (0 means exactly 0); another empty cell could hold any count from 0 up."""
    cells = [total, *parts]
    low, high = 0.0, 0.0
    for cell in cells:
        if cell == target:
            continue
        p = published[cell]
        lo, hi = (0.0, np.inf) if pd.isna(p) else ((0.0, 0.0) if p == 0 else (p - 2, p + 2))
        sign = 1 if cell == total else -1
        low, high = (low + lo, high + hi) if sign > 0 else (low - hi, high - lo)
    if target == total:  # total = sum of parts
        low, high = -high, -low
    return low, high


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cells=finest_cells())
def test_no_count_of_1_to_7_can_be_read_differenced_or_recomputed(cells):
    """
    GIVEN a random long table (system, organisations and sites by all, sex and IMD quintile) of true counts
    WHEN it is published under nhs_standard
    THEN no published count is between 1 and 9; no suppressed count is pinned by differencing any total against
         its parts (every sum leaves 0 or at least 2 empty cells, and the attacker's interval for an empty cell
         always holds at least two of 1..7 or is unbounded); where the places fall short of the system by 1 to 7
         people, a cell of that sum is empty, so the shortfall cannot be worked out either; and every published
         percentage equals the one recomputed from the published counts, empty when either is
    """
    source = long_table(cells)

    out = apply_disclosure(source, SPEC, MEASURES).frame

    for col in COUNTS:
        published = out[col].astype("float64")
        assert not published.between(1, 9).any()
        for total, parts, exact in relations(out):
            if not parts:  # a total with no parts (no place has residents of that value): nothing to difference
                continue
            empty = [c for c in [total, *parts] if pd.isna(published[c])]
            shortfall = source.loc[total, col] - source.loc[parts, col].sum()
            assert len(empty) + (1 <= shortfall <= 7) != 1, (col, out.loc[[total, *parts], ["area_code", col]])
            for target in empty if exact else []:  # a shortfall leaves an inexact sum no equation to solve
                if 1 <= source.loc[target, col] <= 7:
                    low, high = attacker_interval(published, total, parts, target)
                    possible = [k for k in range(1, 8) if low <= k <= high]
                    assert len(possible) >= 2, (col, target, low, high)
    pct = out["value"]
    recomputed = (100 * out["numerator"].astype(float) / out["denominator"].astype(float)).round(1)
    assert (pct.isna() == recomputed.isna()).all()
    assert ((pct - recomputed).abs().dropna() < 1e-9).all()


def test_a_lone_small_cell_takes_the_smallest_other_part_with_it():
    """
    GIVEN RWP's April rows by sex: 3 of 6 for sex 1, 20 of 40 for sex 2, 300 of 554 unknown, 323 of 600 in all
    WHEN published under nhs_standard
    THEN sex 1 is suppressed (primary) and sex 2, the smallest other published part, with it (secondary), so
         the all row minus the unknown row gives only their sum; the unknown and all rows stay published
    """
    rows = []
    for value, n, d in (("all", 323, 600), ("1", 3, 6), ("2", 20, 40), ("unknown", 300, 554)):
        rows.append({"measure_id": "ed_4h_all_types", "period_type": "month", "period_start": APRIL[0],
                     "period_end": APRIL[1], "area_type": "organisation", "area_code": "RWP",
                     "breakdown": "all" if value == "all" else "sex", "breakdown_value": value,
                     "numerator": float(n), "denominator": float(d), "value": 100 * n / d, "lower_95": None,
                     "upper_95": None, "lower_998": None, "upper_998": None, "unit": "percent", "target": 78.0,
                     "meets_target": False, "best_value": None, "gap_to_best": None, "registry_version": 1})

    disclosed = apply_disclosure(pd.DataFrame(rows, columns=SPEC.source_columns), SPEC, MEASURES)

    frame = disclosed.frame.set_index("breakdown_value")
    assert frame.loc[["1", "2"], COUNTS].isna().all().all()
    assert frame.loc["unknown", COUNTS].tolist() == [300, 555] and frame.loc["all", COUNTS].tolist() == [325, 600]
    assert disclosed.secondary_cells == 2 and frame.loc[["1", "2"], "suppressed"].all()


def test_a_small_residual_of_a_total_counts_as_a_suppressed_cell():
    """
    GIVEN the system's 1000 attendances, 600 in one place and 397 in the other (3 residents of neither place),
          and the same shape with 50 residents of neither
    WHEN published under nhs_standard
    THEN with a residual of 3 (system minus the places would give it) the smaller place is suppressed, so the
         difference gives only 3 plus that place; with a residual of 50 nothing is suppressed
    """
    def table(other_place):
        rows = []
        for area_type, code, d in (("system", "QGH", 1000), ("place", "E06000019", 600),
                                   ("place", "E10000034", other_place)):
            rows.append({"measure_id": "ed_4h_all_types", "period_type": "month", "period_start": APRIL[0],
                         "period_end": APRIL[1], "area_type": area_type, "area_code": code, "breakdown": "all",
                         "breakdown_value": "all", "numerator": float(d // 2), "denominator": float(d),
                         "value": 50.0, "lower_95": None, "upper_95": None, "lower_998": None, "upper_998": None,
                         "unit": "percent", "target": 78.0, "meets_target": False, "best_value": None,
                         "gap_to_best": None, "registry_version": 1})
        return apply_disclosure(pd.DataFrame(rows, columns=SPEC.source_columns), SPEC, MEASURES).frame

    small, large = table(397), table(350)

    assert small["denominator"].isna().tolist() == [False, False, True]
    assert not large["suppressed"].any()
