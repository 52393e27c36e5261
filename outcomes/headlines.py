"""The latest month's headline value of every measure, for the system and each site: a short table for people
(``make demo`` prints it). Read from the analysts' read-only snapshot, so it never holds the writer's lock.
Values are the warehouse's, unrounded: partners receive the disclosure-controlled publication instead."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from config.settings import Settings

QUERY = """
with latest as (
    select measure_id, period_start, period_end
    from marts.measure_values
    where breakdown = 'all'
    group by measure_id, period_start, period_end
    qualify row_number() over (partition by measure_id order by period_start desc, period_end) = 1
)
select v.measure_id, v.period_start, v.area_type, v.area_code, v.numerator, v.denominator, v.value, v.unit,
       v.target, v.meets_target
from marts.measure_values as v
inner join latest
    on v.measure_id = latest.measure_id and v.period_start = latest.period_start and v.period_end = latest.period_end
where v.breakdown = 'all' and v.area_type in ('system', 'site')
order by v.measure_id, v.area_type = 'site', v.area_code
"""
UNITS = {"percent": "%", "per_100000": " per 100k", "count": "", "days": " days"}
NAME_WIDTH = 28


def site_names(contracts_dir: Path) -> dict[str, str]:
    """Site code -> name, from the contracts' site code lists (``contracts/reference/*sites.csv``)."""
    names: dict[str, str] = {}
    for path in sorted((contracts_dir / "reference").glob("*sites.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            names |= {row["code"]: row["description"] for row in csv.DictReader(handle)}
    return names


def latest_headlines(settings: Settings) -> list[dict]:
    """One dict per measure and area (the system first, then each site) for each measure's latest period."""
    if not settings.snapshot_path.exists():
        return []
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
        exists = con.execute("select count(*) from information_schema.tables "
                             "where table_schema = 'marts' and table_name = 'measure_values'").fetchall()[0][0]
        if not exists:
            return []
        cursor = con.execute(QUERY)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _value(row: dict) -> str:
    return "" if row["value"] is None else f"{row['value']:.1f}{UNITS[row['unit']]}"


def _target(row: dict) -> str:
    if row["target"] is None:
        return ""
    return f"{row['target']:g}{UNITS[row['unit']]} {'met' if row['meets_target'] else 'not met'}"


def format_headlines(rows: list[dict], names: dict[str, str]) -> str:
    """A plain-text table: measure, month, area, value, numerator/denominator, target."""
    if not rows:
        return "No measure values yet (marts.measure_values is empty or not built)."
    table = [("measure", "month", "area", "value", "of", "target")]
    for row in rows:
        name = names.get(row["area_code"], "")
        name = name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 3] + "..."
        area = "system" if row["area_type"] == "system" else f"{row['area_code']} {name}"
        table.append((row["measure_id"], row["period_start"].strftime("%Y-%m"), area.strip(), _value(row),
                      f"{row['numerator']:,.0f}/{row['denominator']:,.0f}", _target(row)))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in table)
