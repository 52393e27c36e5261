"""The rows of a published table that an agreement allows: its measures (measure_values), and its areas (a
council its own place and the system, a trust its own organisation with its sites and the system)."""

from __future__ import annotations

import pandas as pd

from config.agreements import Agreement
from publish.secondary import SITE_PREFIX


def allowed_rows(frame: pd.DataFrame, table: str, agreement: Agreement) -> pd.DataFrame:
    grant = agreement.grant(table)
    if grant is None:
        return frame.iloc[0:0]
    keep = pd.Series(True, index=frame.index)
    if "measure_id" in frame and grant.measures != "all":
        keep &= frame["measure_id"].isin(grant.measures)
    if "all" not in agreement.areas:
        keep &= _in_areas(frame, agreement.areas)
    return frame[keep].reset_index(drop=True)


def _in_areas(frame: pd.DataFrame, areas: list[str]) -> pd.Series:
    inside = pd.Series(False, index=frame.index)
    if "area_type" in frame:  # the long table: system, place, organisation and site rows
        kind, code = frame["area_type"], frame["area_code"].astype(str)
        for area in areas:
            if area == "system":
                inside |= kind == "system"
            elif area.startswith("place:"):
                inside |= (kind == "place") & (code == area.split(":", 1)[1])
            elif area.startswith("organisation:"):
                org = area.split(":", 1)[1]
                own_sites = (kind == "site") & (code.str[:SITE_PREFIX] == org)
                inside |= ((kind == "organisation") & (code == org)) | own_sites
    elif "organisation_code" in frame:  # a table by provider only: a trust's own rows
        orgs = [a.split(":", 1)[1] for a in areas if a.startswith("organisation:")]
        inside |= frame["organisation_code"].isin(orgs)
    return inside
