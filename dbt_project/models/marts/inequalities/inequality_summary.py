"""marts.inequality_summary. Grain: one row per measure, period, area (system, place, organisation) and
deprivation dimension (imd_decile, imd_quintile), for every measure whose values carry 95% limits
(int_inequality_quantiles). The statistics are stats.inequality_summary: the values at either end, their gaps
and the trend of the gap, with the SII and RII and their seeded Monte-Carlo limits from int_inequality_sii
(computed once per group, every group in one vectorised numpy call per value type, and reused for groups whose
inputs did not change). A dbt Python model because the draws need a seeded generator and matrix products,
which SQL has neither of (docs/inequalities.md).
"""

import pandas as pd

from stats.inequality_summary import inequality_summary


def model(dbt, session):
    dbt.config(materialized="table")
    quantiles = dbt.ref("int_inequality_quantiles").df()
    summary = inequality_summary(quantiles, sii=dbt.ref("int_inequality_sii").df())
    for column in ("period_start", "period_end"):  # written as DATE, not TIMESTAMP
        summary[column] = pd.to_datetime(summary[column]).dt.date
    return summary
