"""Public-health statistics as PHEindicatormethods and Fingertips compute them, proven against the package's
golden tables (tests/stats/). Pure functions on numpy, scipy and pandas; no project imports (configuration level).

- counts and rates: Byar's limits, exact Poisson below 10 events (stats.poisson)
- proportions: Wilson score limits (stats.wilson)
- directly standardised rates on the European Standard Population 2013 with Dobson limits (stats.dsr)
- indirectly standardised ratios and rates (stats.isr)
- slope and relative indices of inequality with seeded Monte-Carlo limits (stats.sii)

The same row-wise limits exist as dbt macros for the marts (dbt_project/macros/stats/); docs/statistics.md
says which to use where.
"""

from stats.confidence import LEVELS, as_fraction, z_value
from stats.dsr import directly_standardised_rate, dobson_limits
from stats.errors import StatsInputError
from stats.isr import indirectly_standardised_rate, indirectly_standardised_ratio
from stats.poisson import (
    byars_lower,
    byars_upper,
    count_lower,
    count_method,
    count_upper,
    exact_lower,
    exact_upper,
    rate,
)
from stats.sii import slope_index_of_inequality
from stats.standard_populations import ESP2013
from stats.wilson import proportion, wilson_lower, wilson_upper

__all__ = [
    "ESP2013", "LEVELS", "StatsInputError", "as_fraction", "byars_lower", "byars_upper", "count_lower",
    "count_method", "count_upper", "directly_standardised_rate", "dobson_limits", "exact_lower", "exact_upper",
    "indirectly_standardised_rate", "indirectly_standardised_ratio", "proportion", "rate",
    "slope_index_of_inequality", "wilson_lower", "wilson_upper", "z_value",
]
