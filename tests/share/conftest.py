"""A small published world for the partner tests: a warehouse holding marts.measure_values (a percentage and a
count-valued measure, for the system, two places, two trusts and a site, by all and by sex) and
marts.ed_four_hour_performance, both published through the real gate into a private working folder."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from config.settings import Settings, get_settings
from publish.run import publish
from publish.spec import load_spec
from tests.publish.conftest import record_delivery

APRIL = (dt.date(2025, 4, 1), dt.date(2025, 4, 30))
# (area_type, area_code, sex -> (numerator, denominator)) for ed_4h_all_types; sums hold: sexes add to 'all',
# trusts to the system; the site is all of RWP's attendances
AREAS = {
    ("system", "QGH"): {"1": (700, 1000), "2": (650, 900)},
    ("organisation", "RWP"): {"1": (400, 600), "2": (395, 500)},
    ("organisation", "RLQ"): {"1": (300, 400), "2": (255, 400)},
    ("site", "RWP50"): {"1": (400, 600), "2": (395, 500)},
    ("place", "E06000019"): {"1": (250, 350), "2": (245, 340)},
    ("place", "E10000034"): {"1": (450, 650), "2": (405, 560)},
}


def measure_row(measure, area_type, area_code, breakdown, value, n, d, unit="percent", target=78.0):
    v = 100 * n / d if unit == "percent" else float(n)
    return {"measure_id": measure, "period_type": "month" if unit == "percent" else "census_date",
            "period_start": APRIL[0], "period_end": APRIL[1], "area_type": area_type, "area_code": area_code,
            "breakdown": breakdown, "breakdown_value": value, "numerator": float(n), "denominator": float(d),
            "value": v, "lower_95": None, "upper_95": None, "lower_998": None, "upper_998": None, "unit": unit,
            "target": target, "meets_target": (v >= target) if target is not None else None, "best_value": None,
            "gap_to_best": None, "compared_to_system": "similar", "registry_version": 1}


def measure_rows() -> pd.DataFrame:
    rows = []
    for (area_type, code), by_sex in AREAS.items():
        n, d = (sum(x[i] for x in by_sex.values()) for i in (0, 1))
        rows.append(measure_row("ed_4h_all_types", area_type, code, "all", "all", n, d))
        rows.extend(measure_row("ed_4h_all_types", area_type, code, "sex", sex, *nd) for sex, nd in by_sex.items())
        if area_type != "place":  # RTT long waits: no place; 23 at RWP and 4 at RLQ (suppressed) of the lists
            waits = {"QGH": (27, 900), "RWP": (23, 500), "RLQ": (4, 400), "RWP50": (23, 500)}[code]
            rows.append(measure_row("rtt_over_52_weeks", area_type, code, "all", "all", *waits, unit="count",
                                    target=None))
    return pd.DataFrame(rows, columns=load_spec("measure_values").source_columns)


def ed_rows() -> pd.DataFrame:
    rows = [("RWP", APRIL[0], q, a, w) for q, a, w in (("1", 412, 260), ("2", 355, 241), ("3", 6, 5))]
    rows += [("RLQ", APRIL[0], q, a, w) for q, a, w in (("1", 130, 96), ("unknown", 41, 30))]
    frame = pd.DataFrame(rows, columns=["organisation_code", "month", "imd_quintile", "attendances",
                                        "within_four_hours"])
    frame["pct_within_four_hours"] = 100 * frame["within_four_hours"] / frame["attendances"]
    return frame


def write_marts(settings: Settings, marts: dict[str, pd.DataFrame]) -> None:
    """A new warehouse holding each frame as ``marts.<name>``."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("create schema marts")
        for name, frame in marts.items():
            con.register("rows", frame)
            con.execute(f"create table marts.{name} as select * from rows")
            con.unregister("rows")


def build_published(work: Path, agreements: Path | None = None,
                    tables: tuple[str, ...] = ("measure_values", "ed_four_hour_performance")) -> Settings:
    """Settings for a working folder whose warehouse holds both marts, ``tables`` published (v0001 of each)."""
    settings = dataclasses.replace(get_settings(), work_dir=work, agreements_root=agreements)
    write_marts(settings, {"measure_values": measure_rows(), "ed_four_hour_performance": ed_rows()})
    for feed in ("rwp_ecds", "rlq_ecds", "r1a_miu", "rwp_rtt", "rlq_rtt"):  # the deliveries behind the marts
        record_delivery(settings, feed, APRIL[0].isoformat())
    publish(list(tables), settings)
    return settings
