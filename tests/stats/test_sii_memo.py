"""Reusing the SII of groups whose inputs did not change (stats/sii_memo.py, int_inequality_sii)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stats.inequality_summary import GROUP, SII_COLUMNS, inequality_summary
from stats.sii_memo import COLUMNS, FINGERPRINT, fingerprints, indices_reusing
from tests.stats.test_inequality_summary import quintiles

DRAWS = 2_000


def three_groups() -> pd.DataFrame:
    return pd.concat([quintiles([3000, 2750, 2500, 2250, 2000]), quintiles([100, 200, 300, 400, 500], area_code="X"),
                      quintiles([50, 55, 60, 65, 70], value_type="proportion", half_width=2.0, area_code="Y")],
                     ignore_index=True)


def test_reused_statistics_equal_those_drawn_again_and_only_changed_groups_are_drawn():
    """GIVEN three groups summarised once WHEN one group's value moves in its last digit and they are summarised
    again with the first result as the previous build THEN one group is drawn, two are reused, and every
    statistic equals that of drawing all three afresh (exactly: common random numbers)."""
    first, drawn = indices_reusing(three_groups(), draws=DRAWS, seed=3)
    assert drawn == 3 and list(first.columns) == COLUMNS and len(first) == 3
    changed = three_groups()
    changed.loc[changed["area_code"] == "X", "value"] = np.nextafter(
        changed.loc[changed["area_code"] == "X", "value"], np.inf)
    again, drawn = indices_reusing(changed, draws=DRAWS, seed=3, previous=first)
    afresh, _ = indices_reusing(changed, draws=DRAWS, seed=3)
    assert drawn == 1
    pd.testing.assert_frame_equal(again, afresh)
    moved = again.set_index("area_code")[FINGERPRINT] != first.set_index("area_code")[FINGERPRINT]
    assert list(moved[moved].index) == ["X"]


def test_a_fingerprint_in_the_previous_build_is_taken_from_it_not_drawn():
    """GIVEN a previous build whose row for a group's fingerprint says SII 999 WHEN summarised again THEN the
    group's SII is 999 (taken, not drawn), and without the previous build it is the drawn -1250."""
    frame = quintiles([3000, 2750, 2500, 2250, 2000])
    first, _ = indices_reusing(frame, draws=DRAWS, seed=3)
    planted = first.assign(sii=999.0)
    again, drawn = indices_reusing(frame, draws=DRAWS, seed=3, previous=planted)
    assert drawn == 0 and again["sii"].iloc[0] == 999.0
    assert round(first["sii"].iloc[0], 6) == -1250.0


def test_the_fingerprint_covers_the_draws_the_seed_and_every_input_column():
    """GIVEN one group WHEN its draws, seed, or any input column changes THEN its fingerprint changes; another
    group's change or the order of rows does not change it."""
    frame = quintiles([3000, 2750, 2500, 2250, 2000])
    base = fingerprints(frame, draws=DRAWS, seed=3).iloc[0]
    assert fingerprints(frame, draws=DRAWS + 1, seed=3).iloc[0] != base
    assert fingerprints(frame, draws=DRAWS, seed=4).iloc[0] != base
    for column, new in (("population", 1001.0), ("value", 2999.0), ("lower_95", 2949.0), ("upper_95", 3051.0),
                        ("value_type", "rate"), ("quantile", 6)):
        edited = frame.copy()
        edited.loc[0, column] = new
        assert fingerprints(edited, draws=DRAWS, seed=3).iloc[0] != base, column
    beside = pd.concat([frame.iloc[::-1], quintiles([1, 2, 3, 4, 5], area_code="X")])
    assert fingerprints(beside, draws=DRAWS, seed=3).loc[tuple(frame.loc[0, GROUP])] == base


def test_the_summary_from_reused_statistics_is_the_summary_drawn_here():
    """GIVEN the statistics of indices_reusing WHEN the summary takes them THEN it equals the summary that draws
    its own (the warehouse's two models give what the one function gives); a group lacking a quantile keeps
    nulls; no groups give an empty table."""
    frame = pd.concat([three_groups(), quintiles([1, 2, 3, 4, 5], area_code="Z").iloc[:4]], ignore_index=True)
    sii, _ = indices_reusing(frame, draws=DRAWS, seed=3)
    pd.testing.assert_frame_equal(inequality_summary(frame, sii=sii), inequality_summary(frame, draws=DRAWS, seed=3))
    assert sii.set_index("area_code").loc["Z", SII_COLUMNS].isna().all()
    empty, drawn = indices_reusing(frame.iloc[:0], draws=DRAWS, seed=3)
    assert empty.empty and drawn == 0 and list(empty.columns) == COLUMNS
