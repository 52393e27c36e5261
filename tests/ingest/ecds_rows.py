"""Small, hand-made ECDS files for the ingest tests (valid NHS Numbers computed, not hard-coded)."""

from __future__ import annotations

import csv
from pathlib import Path

HEADER = ["attendance_id", "nhs_number", "date_of_birth", "sex", "ethnic_category", "lsoa_code",
          "gp_practice_code", "site_code", "department_type", "arrival_mode", "acuity", "arrival_datetime",
          "departure_datetime", "discharge_destination"]


def nhs_number(serial: int) -> str:
    """A valid NHS Number (modulus 11) built from a serial, skipping serials whose check digit would be 10."""
    base = f"{400000000 + serial * 7:09d}"
    while True:
        total = sum(int(d) * (10 - i) for i, d in enumerate(base))
        check = (11 - total % 11) % 11
        if check != 10:
            return base + str(check)
        base = f"{int(base) + 1:09d}"


def row(i: int, **overrides: str) -> dict[str, str]:
    day = i % 28 + 1
    values = {
        "attendance_id": f"ATT{i:06d}", "nhs_number": nhs_number(i), "date_of_birth": "1970-05-17", "sex": "1",
        "ethnic_category": "A", "lsoa_code": "E01014068", "gp_practice_code": "M81001", "site_code": "RWP50",
        "department_type": "01", "arrival_mode": "1", "acuity": "3",
        "arrival_datetime": f"2025-04-{day:02d} 10:00:00", "departure_datetime": f"2025-04-{day:02d} 13:30:00",
        "discharge_destination": "306689006",
    }
    values.update(overrides)
    return values


def write_ecds(path: Path, rows: list[dict[str, str]], header: list[str] | None = None, delimiter: str = ",",
               encoding: str = "utf-8") -> Path:
    header = header or HEADER
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        for r in rows:
            writer.writerow([r.get(h, "") for h in header])
    return path
