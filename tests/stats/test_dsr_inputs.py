"""Directly standardised rates on small fixtures: weights joined by age band (never by position), and every
problem with the bands refused naming the group and the band."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stats import ESP2013, StatsInputError, directly_standardised_rate


def area(name: str, events: int = 30, people: int = 1_000) -> pd.DataFrame:
    """One area with every ESP 2013 band: events rising with age so that the weights matter."""
    bands = list(ESP2013)
    return pd.DataFrame({"area": name, "age_band": bands, "events": [events + 5 * i for i in range(len(bands))],
                         "population": people})


def test_bands_in_any_order_give_the_same_rate() -> None:
    # GIVEN the same rows in band order and shuffled WHEN standardised THEN identical (joined by band)
    rows = area("E1")
    shuffled = rows.sample(frac=1, random_state=3)
    assert not shuffled["age_band"].equals(rows["age_band"])
    pd.testing.assert_frame_equal(directly_standardised_rate(rows, by=["area"]),
                                  directly_standardised_rate(shuffled, by=["area"]))


def test_zero_padded_band_labels_are_the_same_bands() -> None:
    rows = area("E1")
    padded = rows.assign(age_band=rows["age_band"].replace({"0-4": "00-04", "5-9": "05-09"}))
    pd.testing.assert_frame_equal(directly_standardised_rate(rows, by=["area"]),
                                  directly_standardised_rate(padded, by=["area"]))


def test_a_band_unknown_to_the_standard_is_refused_by_label_and_group() -> None:
    rows = area("E1")
    rows.loc[11, "age_band"] = "55-69"
    with pytest.raises(StatsInputError, match=r"age band '55-69' \(area='E1'\) is not in the standard population"):
        directly_standardised_rate(rows, by=["area"])


def test_a_missing_band_is_refused_naming_group_and_band() -> None:
    rows = pd.concat([area("E1"), area("E2").iloc[:-1]])
    with pytest.raises(StatsInputError, match=r"area='E2' lacks age bands \['90\+'\]"):
        directly_standardised_rate(rows, by=["area"])


def test_a_band_given_twice_is_refused() -> None:
    rows = pd.concat([area("E1"), area("E1").iloc[[2]].assign(age_band="05-09")])
    with pytest.raises(StatsInputError, match="age band 5-9 appears twice for area='E1'"):
        directly_standardised_rate(rows, by=["area"])


def test_events_without_population_are_refused() -> None:
    rows = area("E1")
    rows.loc[3, "population"] = 0
    with pytest.raises(StatsInputError, match="an age band with none has events; row 3 has 45.0"):
        directly_standardised_rate(rows, by=["area"])


def test_a_band_without_people_or_events_adds_nothing() -> None:
    # GIVEN a band with no events, once with no population and once with some
    empty, peopled = area("E1"), area("E1")
    empty.loc[0, ["events", "population"]] = 0
    peopled.loc[0, "events"] = 0
    # THEN both standardise to the same rate (zero events contribute zero, whatever the population)
    pd.testing.assert_frame_equal(directly_standardised_rate(empty, by=["area"]).drop(columns="total_pop"),
                                  directly_standardised_rate(peopled, by=["area"]).drop(columns="total_pop"))


def test_fewer_than_ten_events_show_no_rate_but_keep_the_count() -> None:
    rows = area("E1", events=0).assign(events=0)
    rows.loc[[0, 5], "events"] = [4, 5]
    result = directly_standardised_rate(rows, by=["area"]).iloc[0]
    assert result["total_count"] == 9
    assert np.isnan(result[["value", "lower_95", "upper_95", "lower_998", "upper_998"]].astype(float)).all()


def test_groups_come_back_one_row_each_in_key_order() -> None:
    result = directly_standardised_rate(pd.concat([area("E2", 50), area("E1")]), by=["area"])
    assert result["area"].tolist() == ["E1", "E2"]
    assert result["lower_95"].lt(result["value"]).all() and result["value"].lt(result["upper_95"]).all()
    assert result["lower_998"].lt(result["lower_95"]).all()


def test_without_grouping_columns_the_whole_data_is_one_group() -> None:
    grouped = directly_standardised_rate(area("E1"), by=["area"]).drop(columns="area")
    pd.testing.assert_frame_equal(directly_standardised_rate(area("E1")), grouped)
