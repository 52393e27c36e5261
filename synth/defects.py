"""Row-level defects, chosen from what the contract declares, and recorded with their line numbers.

Which defects a feed can carry follows from its contract, so a new feed gets defects without new code:
an ``nhs_number`` check -> wrong check digits; the ``ethnic_categories`` code list -> blanks and unknown codes;
a rule ``end >= start`` -> the end moved before the start; ``not_future`` -> a date five years ahead;
an ODS site code list -> an unknown site; the ``specialties`` list -> an unknown specialty; a ``free_text: redact``
column -> an identifier typed into the text (synth.free_text); every feed -> duplicate rows. Line numbers count the
header as line 1.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from config.contracts import Contract
from synth.config import SynthConfig

UNKNOWN_ODS = "X9Z99"
UNKNOWN_SPECIALTY = "999"
UNKNOWN_ETHNICITY = "9"
FUTURE_SHIFT_DAYS = 1826  # five years: a mistyped year


@dataclass
class Defect:
    feed: str
    file: str  # relative to the output folder, e.g. RWP/ecds/RWP_ECDS_2025-04.csv
    kind: str
    line: int | None = None  # 1-based line in the file, header = 1 (XLSX: the sheet row)
    column: str | None = None
    original: str | None = None
    injected: str | None = None
    detail: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def _rule_pairs(contract: Contract) -> list[tuple[str, str]]:
    pairs = []
    for rule in contract.rules:
        m = re.fullmatch(r"\s*(\w+)\s*>=\s*(\w+)\s*", rule.sql)
        if m and {contract.column(m.group(1)).type, contract.column(m.group(2)).type} <= {"date", "timestamp"}:
            pairs.append((m.group(1), m.group(2)))
    return pairs


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def applicable_kinds(contract: Contract) -> dict[str, str]:
    """Defect kind -> the column it touches, for this contract."""
    kinds: dict[str, str] = {}
    for col in contract.columns:
        if col.check == "nhs_number":
            kinds["nhs_number_invalid_check_digit"] = col.name
        if col.code_list == "ethnic_categories":
            kinds["ethnicity_missing"] = col.name
            kinds["ethnicity_unknown_code"] = col.name
        if col.code_list and col.code_list.endswith("sites") and "unknown_ods_code" not in kinds:
            kinds["unknown_ods_code"] = col.name
        if col.code_list == "specialties" and "unknown_specialty_code" not in kinds:
            kinds["unknown_specialty_code"] = col.name
        if col.free_text == "redact" and "identifier_in_free_text" not in kinds:
            kinds["identifier_in_free_text"] = col.name
    pairs = _rule_pairs(contract)
    if pairs:
        end, start = pairs[0]
        # A snapshot date is the same on every row: move the start after it instead (e.g. a clock start).
        snapshot = contract.period.grain == "snapshot" and end == contract.period.column
        kinds["end_before_start"] = start if snapshot else end
    future = [c.name for c in contract.columns if c.not_future]
    if future:
        kinds["future_date"] = pairs[0][0] if pairs and pairs[0][0] in future else future[0]
    kinds["duplicate_row"] = ""
    return kinds


def inject_row_defects(df: pd.DataFrame, contract: Contract, cfg: SynthConfig, rng: np.random.Generator,
                       feed_id: str, rel_file: str, first_line: int = 2) -> tuple[pd.DataFrame, list[Defect]]:
    """A copy of ``df`` with defects at the configured rates, and the list of what was injected where.

    ``first_line`` is the file line of the frame's first row (2 below the header; more for later chunks)."""
    n = len(df)
    kinds = applicable_kinds(contract)
    counts = {k: int(rng.binomial(n, cfg.rate(k))) if n else 0 for k in kinds}
    if not any(counts.values()):
        return df, []
    df = df.copy()
    order = rng.permutation(n)
    cursor = 0
    touched: list[tuple[int, str, str, str | None, str | None, str | None]] = []
    pairs = dict(_rule_pairs(contract))
    for kind, column in kinds.items():
        if kind == "duplicate_row":
            continue
        rows = order[cursor:cursor + counts[kind]]
        cursor += counts[kind]
        if not len(rows):
            continue
        pos = df.columns.get_loc(column) if column else None
        before = df.iloc[rows, pos].to_numpy(copy=True)
        keep = ~pd.isna(before)
        rows, before = rows[keep], before[keep]
        if not len(rows):
            continue
        details: list[str | None] = [None] * len(rows)
        if kind == "nhs_number_invalid_check_digit":
            from synth.nhs import corrupt_check_digit
            after = corrupt_check_digit(before.astype(np.int64), rng).astype("U10")
        elif kind == "identifier_in_free_text":
            from synth.free_text import with_identifiers
            after, details = with_identifiers(before, rng)
        elif kind == "ethnicity_missing":
            after = np.full(len(rows), None, dtype=object)
        elif kind == "ethnicity_unknown_code":
            after = np.full(len(rows), UNKNOWN_ETHNICITY, dtype=object)
        elif kind == "unknown_ods_code":
            after = np.full(len(rows), UNKNOWN_ODS, dtype=object)
        elif kind == "unknown_specialty_code":
            after = np.full(len(rows), UNKNOWN_SPECIALTY, dtype=object)
        elif kind == "end_before_start":
            unit = "h" if contract.column(column).type == "timestamp" else "D"
            shift = rng.integers(1, 48 if unit == "h" else 10, len(rows)).astype(f"timedelta64[{unit}]")
            if column in pairs:  # column is the end: move it before the start
                after = pd.to_datetime(df.iloc[rows, df.columns.get_loc(pairs[column])]).to_numpy() - shift
            else:  # column is the start: move it after the end
                end = next(e for e, s in pairs.items() if s == column)
                after = pd.to_datetime(df.iloc[rows, df.columns.get_loc(end)]).to_numpy() + shift
        elif kind == "future_date":  # a mistyped year: five years after the latest date in the file
            latest = pd.to_datetime(df[column]).max().normalize().to_datetime64()
            offset = pd.to_datetime(before).to_numpy() - pd.to_datetime(before).normalize().to_numpy()
            after = latest + np.timedelta64(FUTURE_SHIFT_DAYS, "D") + offset
        else:  # pragma: no cover - every kind above is handled
            raise ValueError(kind)
        series = df[column].astype(object) if after.dtype == object else df[column]
        series.iloc[rows] = after if after.dtype != object else list(after)
        df[column] = series
        shown = after.astype(object)
        for r, b, a, d in zip(rows, before, shown, details, strict=True):  # one entry per defect (a few a file)
            touched.append((int(r), kind, column, _text(b), _text(a), d))
    # Duplicates: exact copies of untouched rows, placed straight after the original.
    clean_rows = np.setdiff1d(np.arange(n), [t[0] for t in touched])
    dup_src = np.sort(rng.choice(clean_rows, size=min(counts["duplicate_row"], len(clean_rows)), replace=False))
    new_order = np.insert(np.arange(n), np.searchsorted(np.arange(n), dup_src, side="right"), dup_src)
    df = df.iloc[new_order].reset_index(drop=True)
    line_of = np.empty(n, dtype=np.int64)  # original row -> its line in the written file
    first = np.ones(len(new_order), dtype=bool)
    first[1:] = new_order[1:] != new_order[:-1]
    line_of[new_order[first]] = np.flatnonzero(first) + first_line
    defects = [Defect(feed_id, rel_file, kind, int(line_of[r]), column, b, a, d)
               for r, kind, column, b, a, d in touched]
    for src in dup_src:
        defects.append(Defect(feed_id, rel_file, "duplicate_row", int(line_of[src]) + 1, None,
                              detail=f"exact copy of line {int(line_of[src])}"))
    defects.sort(key=lambda d: (d.line or 0, d.kind))
    return df, defects
