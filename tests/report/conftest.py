"""A small published world for the report: ed_4h_all_types for three months (system, two trusts, a site and two
places; by sex, IMD quintile and Core20, each breakdown's groups summing to the area's total) and the RTT long
waits, published through the real gate, plus a refused file, quarantined rows and a late-feed alert."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from config.settings import Settings, get_settings
from outcomes.alerts import record_alert
from publish.run import publish
from publish.spec import load_spec
from tests.publish.conftest import record_delivery
from tests.share.conftest import ed_rows, measure_row, write_marts

MONTHS = [dt.date(2025, 2, 1), dt.date(2025, 3, 1), dt.date(2025, 4, 1)]
# (area_type, area_code) -> (within four hours, attendances) in February; later months add 3% more within
AREAS = {("system", "QGH"): (1350, 1900), ("organisation", "RWP"): (795, 1100), ("organisation", "RLQ"): (555, 800),
         ("site", "RWP50"): (795, 1100), ("place", "E06000019"): (495, 690), ("place", "E10000034"): (855, 1210)}
# each breakdown's groups: (value, share of the denominator, share of the numerator)
GROUPS = {"sex": [("female", 0.5, 0.52), ("male", 0.5, 0.48)],
          "imd_quintile": [("1", 0.3, 0.25), ("2", 0.2, 0.19), ("3", 0.2, 0.2), ("4", 0.15, 0.17), ("5", 0.15, 0.19)],
          "core20": [("core20", 0.3, 0.25), ("rest", 0.7, 0.75)]}


def _split(total: int, shares: list[float]) -> list[int]:
    parts = [round(total * s) for s in shares[:-1]]
    return [*parts, total - sum(parts)]


def _month(row: dict, month: dt.date) -> dict:
    end = (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()
    return {**row, "period_start": month, "period_end": end}


def world_rows() -> pd.DataFrame:
    rows = []
    for i, month in enumerate(MONTHS):
        for (area_type, code), (n, d) in AREAS.items():
            n = round(n * (1 + 0.03 * i))
            rows.append(_month(measure_row("ed_4h_all_types", area_type, code, "all", "all", n, d), month))
            for breakdown, groups in GROUPS.items():
                ns = _split(n, [g[2] for g in groups])
                ds = _split(d, [g[1] for g in groups])
                rows += [_month(measure_row("ed_4h_all_types", area_type, code, breakdown, g[0], gn, gd), month)
                         for g, gn, gd in zip(groups, ns, ds, strict=True)]
            if area_type != "place":
                waits = {"QGH": (27, 900), "RWP": (23, 500), "RLQ": (4, 400), "RWP50": (23, 500)}[code]
                rows.append(_month(measure_row("rtt_over_52_weeks", area_type, code, "all", "all", *waits,
                                               unit="count", target=None), month))
    return pd.DataFrame(rows, columns=load_spec("measure_values").source_columns)


def _quarantine(settings: Settings) -> None:
    folder = settings.quarantine_dir / "rwp_ecds" / "batch_id=b1"
    folder.mkdir(parents=True)
    frame = pd.DataFrame({"file": ["RWP_ECDS_202504.csv"] * 3, "batch_id": ["b1"] * 3, "line": [4, 9, 12],
                          "rule_id": ["code_list", "code_list", "nhs_number_check_digit"],
                          "column_name": ["discharge_status", "discharge_status", "nhs_number"],
                          "value": ["99", "98", "<withheld: personal field>"],
                          "message": ["not in the code list", "not in the code list", "check digit is wrong"]})
    frame.to_parquet(folder / "part-0.parquet")


@pytest.fixture(scope="session")
def report_world(tmp_path_factory) -> Settings:
    work: Path = tmp_path_factory.mktemp("report_world")
    settings = dataclasses.replace(get_settings(), work_dir=work, agreements_root=None)
    write_marts(settings, {"measure_values": world_rows(), "ed_four_hour_performance": ed_rows()})
    for month in MONTHS:
        for feed in ("rwp_ecds", "rlq_ecds", "r1a_miu", "rwp_rtt", "rlq_rtt"):
            record_delivery(settings, feed, month.isoformat())
    record_delivery(settings, "rlq_rtt", "2025-05-01", status="rejected", rule="header",
                    reason="RLQ_RTT_202505.csv: header: column 'pathway_id' missing")
    _quarantine(settings)
    record_alert("late_feed", "late_feeds", "check", "rlq_ecds: May 2025 not delivered (due 2025-06-10)",
                 settings=settings)
    publish(["measure_values", "ed_four_hour_performance"], settings)
    return settings
