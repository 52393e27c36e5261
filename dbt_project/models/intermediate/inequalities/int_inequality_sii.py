"""intermediate.int_inequality_sii. Grain: one row per group of int_inequality_quantiles (measure, period, area,
deprivation dimension): the fingerprint of the group's inputs and its SII and RII with seeded Monte-Carlo 95%
limits (stats.sii_memo, stats.inequality_summary; docs/inequalities.md).

A group whose fingerprint is a row of this table's previous build takes that row's statistics: the fingerprint
covers the group's rows, the draws, the seed, the stats package's code and numpy's and scipy's versions, so
only groups whose inputs changed are drawn again (a new month of one feed redraws few).
`--vars '{inequality_reuse: false}'` draws every group. Draws and seed are the dbt vars inequality_draws
(100,000) and inequality_seed (2004).
"""

import pandas as pd

from stats.inequality_summary import SII_COLUMNS
from stats.sii_memo import FINGERPRINT, indices_reusing


def previous_build(dbt, session):
    """This table as the last build left it (FINGERPRINT and SII_COLUMNS), or None: never built, or built
    before it had a fingerprint. The table materialisation builds the new table beside it, so it is still
    there while this runs."""
    this = dbt.this
    columns = {row[0] for row in session.execute(
        "select column_name from information_schema.columns"
        " where table_catalog = ? and table_schema = ? and table_name = ?",
        [this.database, this.schema, this.identifier]).fetchall()}
    if not {FINGERPRINT, *SII_COLUMNS} <= columns:
        return None
    return session.sql(f"select {FINGERPRINT}, {', '.join(SII_COLUMNS)} from {this!r}").df()


def model(dbt, session):
    dbt.config(materialized="table")
    quantiles = dbt.ref("int_inequality_quantiles").df()
    reuse = str(dbt.config.get("reuse")).lower() == "true"
    result, _computed = indices_reusing(quantiles, draws=int(dbt.config.get("draws")),
                                        seed=int(dbt.config.get("seed")),
                                        previous=previous_build(dbt, session) if reuse else None)
    for column in ("period_start", "period_end"):  # written as DATE, not TIMESTAMP
        result[column] = pd.to_datetime(result[column]).dt.date
    return result
