"""Row-wise limits on small fixtures: the exact/Byar's switch, missing values, and refusals that name the row."""

from __future__ import annotations

import numpy as np
import pytest

from stats import (
    StatsInputError,
    byars_lower,
    byars_upper,
    count_lower,
    count_upper,
    exact_lower,
    exact_upper,
    proportion,
    rate,
)


def test_rates_switch_from_exact_to_byars_at_ten_events() -> None:
    # GIVEN counts either side of 10 WHEN their limits are taken THEN 9 is exact and 10 is Byar's
    assert count_lower(9) == exact_lower(9) and count_upper(9) == exact_upper(9)
    assert count_lower(10) == byars_lower(10) and count_upper(10) == byars_upper(10)
    assert exact_lower(10) != byars_lower(10)


def test_no_events_have_a_lower_limit_of_zero_and_a_positive_upper_limit() -> None:
    lower, upper = count_lower(0, 0.95), count_upper(0, 0.95)
    assert lower == 0.0 and upper == pytest.approx(3.688879, abs=1e-6)  # -log(0.025)


def test_missing_inputs_give_missing_results_without_touching_the_others() -> None:
    value, lower, upper = rate([5, None, 20], [100, 100, None], multiplier=1000)
    assert value[0] == 50 and np.isnan(value[1:]).all() and np.isnan(lower[1:]).all() and np.isnan(upper[1:]).all()


@pytest.mark.parametrize(("call", "message"), [
    (lambda: rate([3, -1], [10, 10]), "numerators must be zero or more; row 1 has -1.0"),
    (lambda: rate([3, 1], [10, 0]), "denominators must be greater than zero; row 1 has 0.0"),
    (lambda: proportion([3, 11], [10, 10]), "numerators must not exceed their denominators .*; row 1 has 11.0"),
    (lambda: count_upper(4, 0.5), "confidence level must be between 0.9 and 1"),
])
def test_bad_input_is_refused_naming_the_rule_row_and_value(call, message) -> None:
    with pytest.raises(StatsInputError, match=message):
        call()


def test_percent_and_fraction_confidence_are_the_same_level() -> None:
    assert count_upper(25, 99.8) == count_upper(25, 0.998)
    assert proportion(3, 7, 100, 95)[1] == proportion(3, 7, 100, 0.95)[1]


def test_wilson_limits_bracket_the_proportion_and_stay_in_zero_to_one() -> None:
    x = np.array([0, 1, 5, 9, 10])
    value, lower, upper = proportion(x, 10)
    assert (lower <= value).all() and (value <= upper).all()
    assert lower[0] == 0.0 and upper[-1] == 1.0 and (lower >= 0).all() and (upper <= 1).all()
