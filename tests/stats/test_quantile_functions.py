"""The normal and chi-squared quantiles are scipy.special's functions called directly (stats.confidence,
stats.poisson), so the statistics import without scipy.stats (half a second of every dbt build): they must equal
scipy.stats' own ppf bit for bit, and the package must not import scipy.stats."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from scipy.stats import chi2, norm

from stats.confidence import as_fraction, z_value
from stats.poisson import chi2_quantile


def test_z_values_are_scipy_stats_normal_quantiles_bit_for_bit() -> None:
    for level in (0.9, 0.95, 0.99, 0.998, 95, 99.8):
        c = as_fraction(level)
        assert z_value(level) == float(norm.ppf(c + (1 - c) / 2))


def test_chi2_quantiles_are_scipy_stats_bit_for_bit_nan_where_df_is_not_positive() -> None:
    # GIVEN the probabilities and degrees of freedom the exact Poisson limits use, a missing count and df 0
    observed = np.array([0, 1, 2, 3, 5, 9, 10, 37, 100, 5_000, np.nan])
    for p in (0.0005, 0.001, 0.025, 0.05, 0.95, 0.975, 0.999, 0.9995):
        for df in (2 * observed, 2 * observed + 2):
            with np.errstate(invalid="ignore"):
                expected = chi2.ppf(p, df)
            # WHEN taken directly THEN they are the same numbers, NaN where scipy.stats gives NaN
            assert np.array_equal(chi2_quantile(p, df), expected, equal_nan=True)
    assert np.isnan(chi2_quantile(0.025, 0.0))


def test_the_statistics_import_without_scipy_stats() -> None:
    code = ("import sys, stats, stats.inequality_summary, stats.sii_memo; "
            "print(sorted(m for m in sys.modules if m == 'scipy.stats'))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "[]"
