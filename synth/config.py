"""Settings of one generation run and the report it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Share of rows (per file) that receive each row-level defect. ``clean=True`` sets them all to zero.
DEFAULT_DEFECT_RATES: dict[str, float] = {
    "nhs_number_invalid_check_digit": 0.002,
    "ethnicity_missing": 0.01,
    "ethnicity_unknown_code": 0.001,
    "end_before_start": 0.001,
    "future_date": 0.0005,
    "duplicate_row": 0.001,
    "unknown_ods_code": 0.0005,
    "unknown_specialty_code": 0.0005,
    "identifier_in_free_text": 0.05,  # an NHS Number, phone number, postcode, e-mail or date in a comment
}


@dataclass(frozen=True)
class SynthConfig:
    out_dir: Path
    seed: int = 20261123
    scale: float = 1.0
    start: str = "2025-04"  # first month, YYYY-MM
    months: int = 12
    clean: bool = False
    feeds: list[str] | None = None  # feed ids such as "rwp_ecds"; None = every feed
    population: int = 800_000  # registered persons before scale
    reference_dir: Path = PROJECT_ROOT / "reference"  # holds geography/*.csv.gz
    contracts_dir: Path = PROJECT_ROOT / "contracts"
    defect_rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_DEFECT_RATES))
    file_defects: bool = True  # schema drift, late, resubmission, Windows-1252 and empty files

    @property
    def n_persons(self) -> int:
        return max(1000, round(self.population * self.scale))

    def rate(self, kind: str) -> float:
        return 0.0 if self.clean else float(self.defect_rates.get(kind, 0.0))

    @property
    def with_file_defects(self) -> bool:
        return self.file_defects and not self.clean


@dataclass
class SynthReport:
    out_dir: Path
    files: list[Path]
    truth_path: Path
    rows_by_feed: dict[str, int]
    defects_by_kind: dict[str, int]
    seconds: float

    def summary(self) -> str:
        lines = [f"synthetic extracts in {self.out_dir} ({len(self.files)} files, {self.seconds:.1f} s)"]
        width = max((len(f) for f in self.rows_by_feed), default=4)
        for feed, rows in sorted(self.rows_by_feed.items()):
            lines.append(f"  {feed:<{width}}  {rows:>11,} rows")
        total = sum(self.defects_by_kind.values())
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.defects_by_kind.items()))
        lines.append(f"  defects injected: {total} ({kinds or 'none: clean run'})")
        lines.append(f"  truth file: {self.truth_path}")
        return "\n".join(lines)
