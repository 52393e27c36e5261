"""SII and RII on small fixtures: sign, reproducibility, independence from other groups, chunking, and the
Monte-Carlo limits against the exact normal limits where the SII is exactly normal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.special
from scipy.stats import norm

import stats.montecarlo
from stats import StatsInputError, slope_index_of_inequality
from stats.sii import expit


def deciles(area: str, top: float, step: float, se: float = 2.0) -> pd.DataFrame:
    """An area's ten deciles (1 = most deprived) whose value falls by `step` per decile from `top`."""
    q = np.arange(1, 11)
    value = top - step * (q - 1)
    return pd.DataFrame({"area": area, "quantile": q, "population": 1_000 + 100 * q, "value": value,
                         "lower_95": value - 1.959964 * se, "upper_95": value + 1.959964 * se})


def sii(frame: pd.DataFrame, **options) -> pd.DataFrame:
    return slope_index_of_inequality(frame, by=["area"], **{"draws": 20_000, "seed": 7, **options})


def test_higher_values_in_more_deprived_deciles_give_a_negative_sii() -> None:
    # GIVEN values falling from the most deprived decile (1) to the least (10) WHEN the SII is taken
    data = deciles("E1", top=100, step=2)
    result = sii(data).iloc[0]
    # THEN it is the population-weighted slope across relative rank 0 (most deprived) to 1 (least deprived):
    # negative, as the package signs it; the RII is below 1 and the limits bracket the SII
    share = (data["population"] / data["population"].sum()).to_numpy()
    slope, intercept = np.polyfit(np.cumsum(share) - share / 2, data["value"], 1, w=np.sqrt(share))
    assert result["sii"] == pytest.approx(slope, rel=1e-12) and result["sii"] < 0
    assert result["rii"] == pytest.approx((intercept + slope) / intercept, rel=1e-12)
    assert result["rii"] < 1
    assert result["sii_lower_95"] < result["sii"] < result["sii_upper_95"] < 0
    assert result["sii_lower_998"] < result["sii_lower_95"]


def test_a_negative_multiplier_flips_the_sii_and_inverts_the_rii() -> None:
    plain, flipped = sii(deciles("E1", 100, 2)).iloc[0], sii(deciles("E1", 100, 2), multiplier=-1).iloc[0]
    assert flipped["sii"] == pytest.approx(-plain["sii"]) and flipped["rii"] == pytest.approx(1 / plain["rii"])
    # the same draws, read from the other end: one rank apart (R's rounding of the positions), so equal
    # within Monte-Carlo error
    assert flipped["sii_lower_95"] == pytest.approx(-plain["sii_upper_95"], rel=1e-3)


def test_the_same_seed_gives_the_same_limits_and_another_seed_only_other_limits() -> None:
    data = deciles("E1", 100, 2)
    first, again, other = sii(data), sii(data), sii(data, seed=8)
    pd.testing.assert_frame_equal(first, again)
    assert first["sii"].equals(other["sii"]) and not first["sii_lower_95"].equals(other["sii_lower_95"])


def test_a_groups_limits_do_not_depend_on_the_other_groups_in_the_call() -> None:
    # GIVEN one area alone, and the same area among others
    alone = sii(deciles("E2", 80, 1))
    together = sii(pd.concat([deciles("E1", 100, 2), deciles("E2", 80, 1), deciles("E3", 60, -1)]))
    # THEN its row is identical (one matrix of draws serves every group)
    pd.testing.assert_frame_equal(alone, together[together["area"] == "E2"].reset_index(drop=True))


@pytest.mark.parametrize("options", [{}, {"value_type": "rate"}, {"value_type": "rate", "transform": True}])
@pytest.mark.parametrize("split", [
    {"CHUNK_VALUES": 1},                                      # one group per chunk
    {"CHUNK_VALUES": 1, "THREADS": 3},                        # ... three chunks at a time (transformed)
    {"BLOCK_VALUES": 1},                                      # one draw per step of the transform
    {"CHUNK_VALUES": 10**9, "BLOCK_VALUES": 10**9, "THREADS": 1},  # everything at once, in one thread
])
def test_results_do_not_depend_on_how_groups_are_chunked_or_threaded(options, split, monkeypatch) -> None:
    data = pd.concat([deciles(f"E{i}", 100 + i, 2) for i in range(5)])
    whole = sii(data, draws=5_000, **options)
    for name, value in split.items():
        monkeypatch.setattr(stats.montecarlo, name, value)
    pd.testing.assert_frame_equal(whole, sii(data, draws=5_000, **options), check_exact=True)


def test_monte_carlo_limits_agree_with_the_exact_normal_limits() -> None:
    # GIVEN values with normal errors and no transform: the SII is a linear combination of normals, so its
    # exact limits are sii +/- z sd with sd from the weighted least-squares weights (computed here by pinv)
    data = deciles("E1", 100, 2, se=3.0)
    share = (data["population"] / data["population"].sum()).to_numpy()
    rank = np.cumsum(share) - share / 2
    design = np.column_stack([np.sqrt(share), rank * np.sqrt(share)])
    weights = np.linalg.pinv(design)[1] * np.sqrt(share)
    sd = np.sqrt(np.sum((weights * 3.0) ** 2))
    result = sii(data, draws=100_000, mc_error=True).iloc[0]
    for level, tag in ((0.95, "95"), (0.998, "998")):
        z = norm.ppf(level + (1 - level) / 2)
        for side, sign in (("lower", -1), ("upper", 1)):
            exact = result["sii"] + sign * z * sd
            # THEN each simulated limit is within 4 of its own Monte-Carlo standard errors of the exact one
            assert abs(result[f"sii_{side}_{tag}"] - exact) <= 4 * result[f"sii_{side}_{tag}_mc_se"]


def test_the_stated_monte_carlo_error_is_the_spread_over_seeds() -> None:
    # GIVEN the same data simulated with 40 seeds WHEN the lower 95% limit's spread is measured
    data = deciles("E1", 100, 2)
    runs = pd.concat([sii(data, draws=10_000, seed=seed, mc_error=True) for seed in range(40)])
    spread, stated = runs["sii_lower_95"].std(), runs["sii_lower_95_mc_se"].mean()
    # THEN the error each run states for itself is that spread (within the noise of 40 runs)
    assert 0.7 < stated / spread < 1.4


def test_a_group_lacking_a_quantile_keeps_its_row_with_a_note() -> None:
    data = pd.concat([deciles("E1", 100, 2), deciles("E2", 100, 2).iloc[:-1]])
    result = sii(data, quantiles=range(1, 11)).set_index("area")
    assert result.loc["E2", "note"] == "quantile 10 has no row" and np.isnan(result.loc["E2", "sii"])
    assert pd.isna(result.loc["E1", "note"]) and not np.isnan(result.loc["E1", "sii_upper_998"])


def test_a_rate_of_zero_cannot_be_log_transformed_and_says_so() -> None:
    data = deciles("E1", 10, 1).assign(lower_95=lambda d: d["value"] / 2, upper_95=lambda d: d["value"] * 2)
    data.loc[data["quantile"] == 10, ["value", "lower_95"]] = 0.0
    result = sii(data, value_type="rate").iloc[0]
    assert result["note"] == "quantile 10's value cannot be log or logit transformed (zero or one)"


@pytest.mark.parametrize(("options", "message"), [
    ({"draws": 999}, "at least 1,000 draws"),
    ({"value_type": "count"}, "value_type must be one of"),
    ({"transform": True}, "transform=True needs value_type 'rate' or 'proportion'"),
    ({"quantiles": [1, 2, 3, 4]}, "needs 5 to 100 quantiles; got 4"),
])
def test_impossible_options_are_refused(options, message) -> None:
    with pytest.raises(StatsInputError, match=message):
        sii(deciles("E1", 100, 2), **options)


def test_without_grouping_columns_the_whole_data_is_one_group() -> None:
    data = deciles("E1", 100, 2)
    alone = slope_index_of_inequality(data.drop(columns="area"), draws=20_000, seed=7)
    pd.testing.assert_frame_equal(alone, sii(data).drop(columns="area"))


@pytest.mark.parametrize(("draws", "confidence", "ranks"), [
    (100_000, 0.95, (2_499, 97_499)), (100_000, 0.998, (99, 99_899)), (10_000, 0.95, (249, 9_749)),
    (1_000, 0.99, (4, 994)),
])
def test_limits_are_the_order_statistics_the_package_reports(draws, confidence, ranks) -> None:
    # the round(R (1 - c')) th and round(R c') th of R sorted draws (1-based), c' = c + (1 - c) / 2
    assert stats.montecarlo.limit_ranks(draws, confidence) == ranks


@pytest.mark.parametrize("missing", [True, False], ids=["with-missing", "without-missing"])
@pytest.mark.parametrize("ranks", [[2_499], [97_499, 2_499], [99, 2_499, 97_499, 99_899], [5, 5, 7],
                                   [2_450, 2_499, 2_548, 97_450, 97_499, 97_548], [49_999, 50_000]])
def test_order_statistics_are_the_values_a_sort_gives(ranks, missing) -> None:
    # GIVEN draws with ties and infinite values (and missing ones, sorted last), ranks in any order (a repeated one
    # too), and rows whose every TAIL_STRIDE-th value misleads the subsample a tail's threshold is read from: the
    # row's smallest values there (the threshold too low: the tail is short, the row is selected whole) or its
    # largest (the tail is the whole row)
    rng = np.random.default_rng(11)
    draws = np.round(rng.normal(size=(5, 100_000)), 2)
    if missing:
        draws[rng.random(draws.shape) < 0.001] = np.nan
    draws[rng.random(draws.shape) < 0.001] = np.inf
    stride = stats.montecarlo.TAIL_STRIDE
    draws[3] = np.sort(draws[3])
    draws[3, ::stride], draws[3, stride // 2::stride] = draws[3, :draws[3, ::stride].size], -7.0
    draws[4, ::stride] = 100.0
    # WHEN the order statistics are read (from the tails, or the whole row)
    found = stats.montecarlo.order_statistics(draws.copy(), ranks)
    # THEN they are exactly the sorted rows' values at those ranks
    np.testing.assert_array_equal(found, np.sort(draws, axis=1)[:, ranks])


def test_the_inverse_logit_of_the_draws_is_scipys_to_within_two_units_in_the_last_place() -> None:
    # GIVEN log-odds across the whole double range, some far enough below zero that exp(-x) overflows
    x = np.concatenate([np.random.default_rng(3).normal(0, 4, 100_000), [-800.0, -710.0, -40.0, 0.0, 40.0, 800.0]])
    # WHEN they are transformed back in place, as the draws are
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # a warning would raise
        out = expit(x.copy(), out=np.empty_like(x))
    # THEN each is scipy's inverse logit to within 2 ulp, 0 where exp(-x) overflows, and a scalar works too
    expected = scipy.special.expit(x)
    assert np.all(np.abs(out - expected) <= 2 * np.spacing(expected))
    assert out[-6] == 0.0 and out[-1] == 1.0 and out[-3] == 0.5
    assert float(expit(np.float64(0.0))) == 0.5
