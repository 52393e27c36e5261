"""Small, hand-made Healthwatch feedback files for the ingest tests (free text redacted at ingest)."""

from __future__ import annotations

import csv
from pathlib import Path

HEADER = ["feedback_id", "received_date", "organisation_code", "service_type", "theme", "rating", "sentiment",
          "channel", "comment"]


def write_feedback(path: Path, comments: list[str]) -> Path:
    """One row per comment, its id ``<file stem>-<row index>``."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i, comment in enumerate(comments):
            out.writerow([f"{path.stem}-{i}", "2025-10-01", "RLQ", "ED", "access", "2", "negative", "online", comment])
    return path
