"""The planned-care declarations (referral to treatment and outpatients) say what issue 11 asks for: units,
directions, targets, areas and source feeds; and the thresholds in their SQL are the ones the declarations state."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config.measures import load_measures

REPO = Path(__file__).resolve().parents[2]
RTT_MACRO = REPO / "dbt_project" / "macros" / "measures" / "rtt_measures.sql"


@pytest.fixture(scope="module")
def by_id():
    return {m.id: m for m in load_measures(REPO / "measures", REPO / "contracts")}


def test_rtt_within_18_weeks_is_a_share_with_the_92_percent_target(by_id):
    m = by_id["rtt_within_18_weeks"]
    assert (m.value_type, m.unit, m.ci_method, m.polarity) == ("proportion", "percent", "wilson", "higher_is_better")
    assert m.target.value == 92 and m.period.type == "census_date"
    assert m.areas == ["system", "organisation", "site"]
    assert m.source_feeds == ["rwp_rtt", "rlq_rtt"]


@pytest.mark.parametrize(("weeks", "days"), [(52, 365), (65, 456), (78, 547)])
def test_long_waits_are_counts_of_at_least_the_stated_days(by_id, weeks, days):
    """GIVEN a long-wait declaration THEN it is a count (no limits, no target), lower is better, its numerator
    names the threshold in days, and the SQL macro holding the thresholds uses exactly that number of days."""
    m = by_id[f"rtt_over_{weeks}_weeks"]
    assert (m.value_type, m.unit, m.ci_method, m.polarity, m.target) == ("count", "count", "none",
                                                                          "lower_is_better", None)
    assert f"at least {days} days" in m.numerator
    assert f"'{m.id}': 'days_waited >= {days}'" in RTT_MACRO.read_text()


def test_the_18_week_threshold_in_the_sql_is_126_days_inclusive(by_id):
    assert "at most 126 days" in by_id["rtt_within_18_weeks"].numerator
    assert "'rtt_within_18_weeks': 'days_waited <= 126'" in RTT_MACRO.read_text()


def test_every_rtt_measure_has_its_threshold_in_the_macro_and_no_other(by_id):
    declared = set(re.findall(r"'(rtt_[a-z0-9_]+)': 'days_waited", RTT_MACRO.read_text()))
    assert declared == {i for i in by_id if i.startswith("rtt_")}


@pytest.mark.parametrize(("measure_id", "polarity"), [("op_dna_rate", "lower_is_better"),
                                                      ("op_remote_share", "higher_is_better")])
def test_outpatient_measures_are_monthly_shares_of_both_trusts(by_id, measure_id, polarity):
    m = by_id[measure_id]
    assert (m.value_type, m.unit, m.ci_method, m.polarity) == ("proportion", "percent", "wilson", polarity)
    assert m.period.type == "month" and m.target is None
    assert m.source_feeds == ["rwp_outpatients", "rlq_outpatients"]
    assert m.areas == ["system", "place", "organisation", "site"]


def test_every_choice_made_is_stated(by_id):
    """GIVEN the six planned-care declarations THEN each states its choices, including where it follows the issue
    as written."""
    ids = ["rtt_within_18_weeks", "rtt_over_52_weeks", "rtt_over_65_weeks", "rtt_over_78_weeks", "op_dna_rate",
           "op_remote_share"]
    for measure_id in ids:
        choices = by_id[measure_id].choices
        assert len(choices) >= 5 and any("as written in the issue" in c for c in choices), measure_id
