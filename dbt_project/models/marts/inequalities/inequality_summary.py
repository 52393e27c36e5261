"""marts.inequality_summary. Grain: one row per measure, period, area (system, place, organisation) and
deprivation dimension (imd_decile, imd_quintile), for every measure whose values carry 95% limits
(int_inequality_quantiles). The statistics are stats.inequality_summary: the SII and RII with seeded Monte-Carlo
limits, computed once per group in one vectorised numpy call per value type (a dbt Python model because the
draws need a seeded generator and matrix products, which SQL has neither of; docs/inequalities.md).
Draws and seed are the dbt vars inequality_draws (100,000) and inequality_seed (2004).
"""

import pandas as pd

from stats.inequality_summary import inequality_summary


def model(dbt, session):
    dbt.config(materialized="table")
    quantiles = dbt.ref("int_inequality_quantiles").df()
    summary = inequality_summary(quantiles, draws=int(dbt.config.get("draws")), seed=int(dbt.config.get("seed")))
    for column in ("period_start", "period_end"):  # written as DATE, not TIMESTAMP
        summary[column] = pd.to_datetime(summary[column]).dt.date
    return summary
