"""Disclosure control of a table without totals (ED four-hour performance): property tests over random tables and
every profile, and the profiles' own rules (config/disclosure_profiles.py)."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.disclosure_profiles import PROFILES, Profile, at_least_as_strict
from publish.disclosure import apply_disclosure, row_profiles
from publish.files import write_csv
from publish.spec import Disclosure, load_spec

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


def spec_with(profile: str):
    return SPEC.model_copy(update={"disclosure": Disclosure(profile=profile)})


def suppressed_by(profile: Profile, true: pd.Series) -> pd.Series:
    return ((true > 0) & (true < profile.suppress_below)) | ((true == 0) & profile.suppress_zero)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=tables(), name=st.sampled_from(sorted(PROFILES)))
def test_no_published_count_is_one_the_profile_suppresses(source, name):
    """
    GIVEN any table of true counts and any profile
    WHEN disclosure control is applied and the CSV written
    THEN every count the profile suppresses is empty, every other is the true count rounded to the profile's
         base (0 stays 0 where the profile allows it), and the CSV text holds no small count either
    """
    profile = PROFILES[name]

    out = apply_disclosure(source, spec_with(name)).frame

    for col in COUNTS:
        hide = suppressed_by(profile, source[col])
        assert out[col][hide].isna().all()
        base = profile.round_to
        expected = ((source[col] * 2 + base) // (2 * base)) * base
        assert (out[col][~hide] == expected[~hide]).all()
        published = out[col].dropna().astype(int)
        assert ((published == 0) | (published >= profile.smallest_published())).all()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        write_csv(out, spec_with(name), path)
        with open(path, newline="") as handle:
            for row in csv.DictReader(handle):
                for col in COUNTS:
                    assert row[col] == "" or not 0 < int(row[col]) < profile.suppress_below


@settings(max_examples=150, deadline=None)
@given(source=tables(), name=st.sampled_from(sorted(PROFILES)))
def test_percentages_come_from_the_published_counts_so_they_reveal_nothing_more(source, name):
    """
    GIVEN any table of true counts and any profile
    WHEN disclosure control is applied
    THEN a published pct equals 100 x published within / published attendances to one decimal (so it says
         nothing the rounded counts do not), it is empty whenever either count is, and the row flag says so
    """
    disclosed = apply_disclosure(source, spec_with(name))
    out = disclosed.frame

    pct = out["pct_within_four_hours"]
    either_empty = out["attendances"].isna() | out["within_four_hours"].isna() | (out["attendances"] == 0)
    assert pct[either_empty].isna().all()
    shown = pct.notna()
    expected = (100.0 * out["within_four_hours"].astype(float) / out["attendances"].astype(float)).round(1)
    assert ((pct[shown] - expected[shown]).abs() < 1e-9).all()
    assert pct[shown].between(0, 100).all()
    emptied = out[[*COUNTS, "pct_within_four_hours"]].isna() & source[[*COUNTS, "pct_within_four_hours"]].notna()
    assert (out["suppressed"] == emptied.any(axis=1)).all()
    assert disclosed.suppressed_cells == int(emptied.sum().sum())


@pytest.mark.parametrize(("below", "base"), [(12, 5), (11, 5), (14, 10)])
def test_a_profile_whose_threshold_rounding_would_undercut_is_refused(below, base):
    """GIVEN a profile whose smallest published count would round below its threshold (12 -> 10 at base 5)
    WHEN it is declared THEN it is refused."""
    with pytest.raises(ValueError, match="rounds down"):
        Profile(name="x", suppress_below=below, suppress_zero=True, round_to=base, exempt_min_count=10,
                description="x")


def test_strictness_orders_the_profiles_and_an_agreement_cannot_loosen_a_measure():
    """GIVEN the three profiles WHEN compared THEN strict_10 is at least as strict as both national rules, which
    are not comparable with each other (mhsds suppresses 0, nhs_standard suppresses 5 to 7); AND WHEN a table's
    rows are asked for a looser profile THEN it is refused, while a stricter one replaces the table's."""
    nhs, mhsds, strict = PROFILES["nhs_standard"], PROFILES["mhsds"], PROFILES["strict_10"]
    assert at_least_as_strict(strict, nhs) and at_least_as_strict(strict, mhsds)
    assert not at_least_as_strict(nhs, mhsds) and not at_least_as_strict(mhsds, nhs)
    assert at_least_as_strict(nhs, nhs)
    source = pd.DataFrame([("RWP", None, "1", 40, 30, 75.0)], columns=SPEC.source_columns)
    with pytest.raises(ValueError, match="never a looser"):
        row_profiles(source, SPEC, None, "mhsds")
    assert row_profiles(source, SPEC, None, "strict_10").tolist() == ["strict_10"]


def test_zero_stays_zero_under_nhs_standard_and_is_suppressed_under_mhsds():
    """GIVEN a cell of 40 attendances none within four hours, and one of 6 with 0 within
    WHEN published under nhs_standard and under mhsds
    THEN nhs_standard shows 40, 0 and 0.0 and suppresses the 6 (and its pct); mhsds suppresses every 0 and
         publishes the 6 as 5."""
    source = pd.DataFrame([("RWP", None, "1", 40, 0, 0.0), ("RWP", None, "2", 6, 0, 0.0)],
                          columns=SPEC.source_columns)

    nhs = apply_disclosure(source, spec_with("nhs_standard")).frame
    mhsds = apply_disclosure(source, spec_with("mhsds")).frame

    assert nhs.loc[0, COUNTS + ["pct_within_four_hours"]].tolist() == [40, 0, 0.0]
    assert pd.isna(nhs.loc[1, "attendances"]) and nhs.loc[1, "within_four_hours"] == 0
    assert pd.isna(nhs.loc[1, "pct_within_four_hours"])
    assert pd.isna(mhsds.loc[0, "within_four_hours"]) and pd.isna(mhsds.loc[1, "within_four_hours"])
    assert mhsds.loc[1, "attendances"] == 5 and mhsds["pct_within_four_hours"].isna().all()
