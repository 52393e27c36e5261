"""Small, hand-made Herefordshire Council reablement workbooks (contract e06000019_reablement) for ingest tests.

Dates are written as Excel dates (cells typed as dates) or, as some council systems export them, as text in the
contract's date format (``01/04/2025``).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook

from tests.ingest.ecds_rows import nhs_number

NAME = "HC_Reablement_2025-04.xlsx"
HEADER = ["episode_id", "nhs_number", "date_of_birth", "sex", "ethnic_category", "lsoa_code", "discharging_provider",
          "hospital_discharge_date", "reablement_start_date", "reablement_end_date", "care_provider_name",
          "at_home_91_days"]
DATES = ("date_of_birth", "hospital_discharge_date", "reablement_start_date", "reablement_end_date")


def episode(i: int, **overrides: object) -> dict[str, object]:
    """Episode ``i``: discharged on day ``i % 28 + 1`` of April 2025, reablement for a fortnight from the next day."""
    discharged = date(2025, 4, i % 28 + 1)
    values: dict[str, object] = {
        "episode_id": f"EP{i:05d}", "nhs_number": nhs_number(i), "date_of_birth": date(1940, 3, 9), "sex": "2",
        "ethnic_category": "A", "lsoa_code": "E01014068", "discharging_provider": "RWP",
        "hospital_discharge_date": discharged, "reablement_start_date": discharged + timedelta(days=1),
        "reablement_end_date": discharged + timedelta(days=15), "care_provider_name": "Home First",
        "at_home_91_days": "Y",
    }
    values.update(overrides)
    return values


def as_text(values: dict[str, object], fmt: str = "%d/%m/%Y") -> dict[str, object]:
    """The episode with its dates typed as text in ``fmt`` instead of Excel dates."""
    return {k: v.strftime(fmt) if k in DATES and isinstance(v, date) else v for k, v in values.items()}


def write_workbook(path: Path, rows: list[dict[str, object]], header: list[str] | None = None,
                   sheet: str = "Reablement") -> Path:
    header = header or HEADER
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for values in rows:
        ws.append([values.get(h.lower()) for h in header])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, date):
                cell.number_format = "dd/mm/yyyy"
    wb.save(path)
    return path
