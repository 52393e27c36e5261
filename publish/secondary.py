"""Secondary suppression for the long table (``totals: long_table``): no suppressed cell can be recovered by
subtracting published cells from a published total.

The long table's rows add up to others, for each measure and period and each count column:

- the values of a breakdown add up to their area's ``all`` row (breakdown groups);
- the organisations add up to the system, and so do the places (for each breakdown value);
- the sites add up to their organisation (an ODS site code begins with its organisation's 3-character code).

A group is a total and its parts. The rule (docs/publication.md, "Secondary suppression"): no group may hold
exactly one suppressed cell. While some group does, the complementary cell suppressed in it is the part with
the smallest true count above 0 that is still published (ties: the first in the table's key order); when no such
part exists, the group's total; failing that, the smallest remaining published part (a 0). Suppressing a cell can
leave another group it belongs to with one suppressed cell, so the rule is applied again until no group has
exactly one: it ends because each pass only adds suppressions. A group whose parts fall short of its total
(places do not cover residents with no known place, sites may not cover every record) has a residual that could
be worked out by difference: a small residual counts as a suppressed cell of the group, so one more is chosen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SITE_PREFIX = 3  # an ODS site code's organisation: its first three characters (RWP50 -> RWP)
RESIDUAL_TOLERANCE = 1e-6  # fractional counts (mean daily counts) summed in another order differ by ~1e-12


def long_table_groups(frame: pd.DataFrame) -> pd.DataFrame:
    """Every additive group of the long table as rows ``group, row, is_total`` (row: the frame's position)."""
    rows = frame.reset_index(drop=True).assign(row=np.arange(len(frame)))
    period = ["measure_id", "period_start", "period_end"]
    links = []

    def add(parts: pd.DataFrame, totals: pd.DataFrame, on: list[str]) -> None:
        parts = parts.merge(totals[[*on, "row"]].rename(columns={"row": "total_row"}), on=on, how="inner")
        if parts.empty:
            return
        keys = [*on, "_family"] if "_family" in parts else on
        offset = sum(int(link["group"].max()) + 1 for link in links[::2])  # group ids unique across families
        group = parts.groupby(keys, sort=False, dropna=False).ngroup().to_numpy() + offset
        links.append(pd.DataFrame({"group": group, "row": parts["row"].to_numpy(), "is_total": False}))
        links.append(pd.DataFrame({"group": group, "row": parts["total_row"].to_numpy(),
                                   "is_total": True}).drop_duplicates())

    area = [*period, "area_type", "area_code"]
    everything = rows["breakdown"] == "all"
    breakdowns = rows[~everything]
    add(breakdowns.assign(_family=breakdowns["breakdown"]), rows[everything], area)
    value = [*period, "breakdown", "breakdown_value"]
    system = rows[rows["area_type"] == "system"]
    for member in ("organisation", "place"):
        add(rows[rows["area_type"] == member], system, value)
    sites = rows[rows["area_type"] == "site"].assign(area_code=lambda f: f["area_code"].str[:SITE_PREFIX])
    add(sites, rows[rows["area_type"] == "organisation"], [*value, "area_code"])
    if not links:
        return pd.DataFrame({"group": pd.Series(dtype=int), "row": pd.Series(dtype=int),
                             "is_total": pd.Series(dtype=bool)})
    return pd.concat(links, ignore_index=True)


def protect_totals(true: pd.Series, hidden: pd.Series, groups: pd.DataFrame,
                   suppress_below: pd.Series | None = None) -> pd.Series:
    """``hidden`` (one count column's primary suppression) plus the complementary cells the rule adds.

    A group whose parts do not add up to its total (places do not cover residents with no known place) has a
    residual, total minus parts, that is never published but could be worked out; when it is a small count (above
    0 and below the total row's ``suppress_below``) it counts as one suppressed cell of the group."""
    hidden = hidden.to_numpy(dtype=bool).copy()
    values = pd.to_numeric(true, errors="coerce").to_numpy(dtype="float64")
    if groups.empty:
        return pd.Series(hidden, index=true.index)
    group_codes, _ = pd.factorize(groups["group"])
    rows = groups["row"].to_numpy()
    totals = groups["is_total"].to_numpy()
    size = group_codes.max() + 1
    residual = (np.bincount(group_codes, weights=np.where(totals, values[rows], 0.0), minlength=size)
                - np.bincount(group_codes, weights=np.where(totals, 0.0, values[rows]), minlength=size))
    below = np.zeros(size)
    if suppress_below is not None:
        below[group_codes[totals]] = suppress_below.to_numpy(dtype="float64")[rows[totals]]
    small_residual = (residual > RESIDUAL_TOLERANCE) & (residual < below)
    while True:
        cell_hidden = hidden[rows]
        per_group = np.bincount(group_codes, weights=cell_hidden, minlength=size) + small_residual
        lone = per_group[group_codes] == 1
        open_cells = lone & ~cell_hidden
        if not open_cells.any():
            return pd.Series(hidden, index=true.index)
        candidates = pd.DataFrame({
            "group": group_codes[open_cells], "row": rows[open_cells],
            # preference: a part above 0, then the total, then a part at 0; smallest true count; key order
            "rank": np.where(totals[open_cells], 1, np.where(values[rows[open_cells]] > 0, 0, 2)),
            "true": values[rows[open_cells]],
        }).sort_values(["group", "rank", "true", "row"], kind="stable")
        chosen = candidates.drop_duplicates("group")["row"].to_numpy()
        hidden[chosen] = True
