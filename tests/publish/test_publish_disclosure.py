"""Disclosure control: property tests over random tables, and the spec's guard on thresholds."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from publish.disclosure import apply_disclosure
from publish.files import write_csv
from publish.spec import Disclosure, load_spec, round_to_base

SPEC = load_spec("ed_four_hour_performance")
COUNTS = ["attendances", "within_four_hours"]


@st.composite
def tables(draw):
    """A source frame of true counts (within_four_hours <= attendances), biased towards small numbers."""
    count = st.one_of(st.integers(0, 25), st.integers(0, 3000))
    pairs = draw(st.lists(st.tuples(count, count), min_size=1, max_size=40))
    rows = []
    for i, (a, b) in enumerate(pairs):
        attendances, within = max(a, b), min(a, b)
        pct = 100.0 * within / attendances if attendances else None
        rows.append(("RWP", pd.Timestamp("2024-01-01").date(), str(i), attendances, within, pct))
    return pd.DataFrame(rows, columns=SPEC.source_columns)


@st.composite
def rules(draw):
    base = draw(st.sampled_from([1, 2, 5, 10]))
    threshold = draw(st.integers(1, 30))
    assume(round_to_base(threshold, base) >= threshold)
    return Disclosure(threshold=threshold, rounding_base=base)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=tables(), rule=rules())
def test_no_published_count_is_ever_between_1_and_threshold_minus_1(source, rule):
    """
    GIVEN any table of true counts and any valid rule set (threshold, rounding base)
    WHEN disclosure control is applied and the CSV written
    THEN every published count is empty or a multiple of the base at least the threshold (so never 1..t-1),
         small true counts are empty, and the CSV text holds no small count either
    """
    spec = SPEC.model_copy(update={"disclosure": rule})

    out = apply_disclosure(source, spec).frame

    for col in COUNTS:
        published = out[col].dropna().astype(int)
        assert ((published >= rule.threshold) & (published % rule.rounding_base == 0)).all()
        assert out[col][source[col] < rule.threshold].isna().all()
        kept = source[col] >= rule.threshold
        assert (out[col][kept] == source[col][kept].map(lambda v: round_to_base(v, rule.rounding_base))).all()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        write_csv(out, spec, path)
        with open(path, newline="") as handle:
            for row in csv.DictReader(handle):
                for col in COUNTS:
                    assert row[col] == "" or int(row[col]) >= rule.threshold


@settings(max_examples=300, deadline=None)
@given(source=tables(), rule=rules())
def test_percentages_come_from_true_counts_and_hide_with_any_small_count(source, rule):
    """
    GIVEN any table of true counts and any valid rule set
    WHEN disclosure control is applied
    THEN a published pct equals the true-count pct to one decimal, it is empty whenever either count is
         suppressed or the complement (attendances - within) is 1..threshold-1, and the row flag says so
    """
    spec = SPEC.model_copy(update={"disclosure": rule})

    disclosed = apply_disclosure(source, spec)
    out = disclosed.frame

    pct = out["pct_within_four_hours"]
    complement = source["attendances"] - source["within_four_hours"]
    must_hide = (
        out["attendances"].isna()
        | out["within_four_hours"].isna()
        | ((complement >= 1) & (complement < rule.threshold))
    )
    assert pct[must_hide].isna().all()
    shown = pct.notna()
    expected = (100.0 * source["within_four_hours"] / source["attendances"]).round(1)
    assert (pct[shown] - expected[shown]).abs().max() < 1e-9 if shown.any() else True
    assert (pct[shown].between(0, 100)).all()
    empty = out[[*COUNTS, "pct_within_four_hours"]].isna()
    assert (out["suppressed"] == empty.any(axis=1)).all()
    assert disclosed.suppressed_cells == int(empty.sum().sum())


@pytest.mark.parametrize(("threshold", "base"), [(12, 5), (11, 5), (14, 10)])
def test_spec_refuses_a_threshold_that_rounding_would_undercut(threshold, base):
    """
    GIVEN a rule set whose threshold rounds down below itself (e.g. 12 -> 10 at base 5)
    WHEN the rule set is declared
    THEN it is refused, because a published count could then fall below the threshold
    """
    with pytest.raises(ValueError, match="rounds down"):
        Disclosure(threshold=threshold, rounding_base=base)
