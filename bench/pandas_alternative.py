"""The usual alternative, for comparison: the ingest and three headline measures written as many analysts would,
every file read whole into pandas, concatenated and grouped. No contract checks, no pseudonyms, no tests.

    python bench/pandas_alternative.py SYNTH_DIR OUT_DIR [--ingest-only]

Ingest: every delivered file of every feed read into a frame of text (a CSV file with its contract's delimiter and
encoding; a workbook's sheet with calamine, as ingest reads it) and written to Parquet. ``--ingest-only`` does
only that, keeping no frame: the same files in and Parquet out as ``outcomes ingest`` (which also types, checks,
pseudonymises and records every row), for the same-work comparison of bench/pipeline_bench.py.

Measures: the 4-hour performance of emergency attendances by organisation and month (every department type);
emergency readmission within 30 days, at any trust, of emergency spells by the discharging organisation and month;
the slope index of inequality of emergency attendances (department type 01) per 1,000 residents across IMD deciles
of the system's residents (stats.slope_index_of_inequality). Prints a JSON line with the row counts of each result
(with ``--ingest-only``, the files and rows written), so a run that read nothing cannot pass for a fast one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ED_FEEDS = ("rwp_ecds", "rlq_ecds", "r1a_miu")
APC_FEEDS = ("rwp_apc", "rlq_apc")
EMERGENCY_METHODS = {"21", "22", "23", "24", "25", "26", "27", "28"}


def read_feeds(synth_dir: Path, out_dir: Path,
               keep: tuple[str, ...] = ED_FEEDS + APC_FEEDS) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """Every delivered file read whole (as text) and written to Parquet: the frames of the ``keep`` feeds (those
    the measures need), and the files and rows written."""
    from config.contracts import contract_for_file

    frames: dict[str, list[pd.DataFrame]] = {}
    written = {"files": 0, "rows": 0}
    out_dir.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(sorted(p for p in synth_dir.rglob("*") if p.suffix in (".csv", ".xlsx"))):
        try:
            contract = contract_for_file(ROOT / "contracts", path.name)
        except ValueError:
            continue
        try:
            frame = _read(path, contract)
        except (pd.errors.EmptyDataError, pd.errors.ParserError, ValueError):
            continue  # an empty or broken file: an analyst's script skips it
        frame.to_parquet(out_dir / f"{i}.parquet", index=False)
        written["files"] += 1
        written["rows"] += len(frame)
        if contract.feed_id in keep:
            frame["organisation_code"] = contract.organisation
            frames.setdefault(contract.feed_id, []).append(frame)
    return {feed: pd.concat(parts, ignore_index=True) for feed, parts in frames.items()}, written


def _read(path: Path, contract) -> pd.DataFrame:
    if path.suffix == ".xlsx":
        return pd.read_excel(path, sheet_name=contract.file.sheet or 0, engine="calamine", dtype=str)
    return pd.read_csv(path, sep=contract.file.delimiter, encoding=contract.file.encoding, dtype=str,
                       encoding_errors="replace")


def _when(values: pd.Series) -> pd.Series:
    """Dates and times as the trusts send them: ISO, or day first (dd/mm/yyyy [HH:MM])."""
    parsed = pd.to_datetime(values, format="ISO8601", errors="coerce")
    for layout in ("%d/%m/%Y %H:%M", "%d/%m/%Y"):
        missing = parsed.isna() & values.notna()
        if missing.any():
            parsed[missing] = pd.to_datetime(values[missing], format=layout, errors="coerce")
    return parsed


def attendances(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    ed = pd.concat([frames[f] for f in ED_FEEDS if f in frames], ignore_index=True)
    ed = ed.drop_duplicates(["organisation_code", "attendance_id"], keep="last")
    ed["arrived"] = _when(ed["arrival_datetime"])
    ed["departed"] = _when(ed["departure_datetime"])
    return ed.dropna(subset=["arrived", "departed"])


def four_hour_performance(ed: pd.DataFrame) -> pd.DataFrame:
    ed = ed.assign(month=ed["arrived"].dt.to_period("M"),
                   within=(ed["departed"] - ed["arrived"]) <= pd.Timedelta(minutes=240))
    out = ed.groupby(["organisation_code", "month"]).agg(attendances=("within", "size"), within=("within", "sum"))
    out["percent"] = 100 * out["within"] / out["attendances"]
    return out.reset_index()


def readmissions_30d(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    apc = pd.concat([frames[f] for f in APC_FEEDS if f in frames], ignore_index=True)
    apc = apc.drop_duplicates(["organisation_code", "spell_id"], keep="last")
    apc["admitted"] = _when(apc["admission_date"])
    apc["discharged"] = _when(apc["discharge_date"])
    emergency = apc[apc["admission_method"].isin(EMERGENCY_METHODS)].dropna(subset=["admitted", "discharged"])
    index = emergency[["organisation_code", "spell_id", "nhs_number", "discharged"]]
    later = emergency[["nhs_number", "spell_id", "admitted"]].rename(columns={"spell_id": "later_spell_id"})
    pairs = index.merge(later, on="nhs_number")
    days = (pairs["admitted"] - pairs["discharged"]).dt.days
    again = (days >= 0) & (days < 30) & (pairs["later_spell_id"] != pairs["spell_id"])
    readmitted = set(pairs.loc[again, "spell_id"])
    index = index.assign(readmitted=index["spell_id"].isin(readmitted), month=index["discharged"].dt.to_period("M"))
    out = index.groupby(["organisation_code", "month"]).agg(spells=("readmitted", "size"),
                                                            readmissions=("readmitted", "sum"))
    out["percent"] = 100 * out["readmissions"] / out["spells"]
    return out.reset_index()


def emergency_attendance_sii(ed: pd.DataFrame) -> pd.DataFrame:
    from stats import slope_index_of_inequality
    from stats.poisson import byars_lower, byars_upper

    geography = ROOT / "reference" / "geography"
    imd = pd.read_csv(geography / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz", encoding="utf-8-sig",
                      usecols=[0, 5], names=["lsoa_code", "decile"], header=0)
    population = pd.read_csv(geography / "File_6_-_IoD2019_Population_Denominators.csv.gz", encoding="utf-8-sig",
                             usecols=[0, 4], names=["lsoa_code", "population"], header=0, thousands=",")
    type1 = ed[ed["department_type"] == "01"]
    residents = imd.merge(population, on="lsoa_code")
    residents = residents[residents["lsoa_code"].isin(set(type1["lsoa_code"]))]
    counts = type1.groupby("lsoa_code").size().rename("events").reset_index()
    by_lsoa = residents.merge(counts, on="lsoa_code", how="left").fillna({"events": 0})
    deciles = by_lsoa.groupby("decile").agg(events=("events", "sum"), population=("population", "sum"))
    deciles = deciles.reset_index().rename(columns={"decile": "quantile"})
    scale = 1000 / deciles["population"]
    deciles["value"] = deciles["events"] * scale
    deciles["lower_95"] = byars_lower(deciles["events"]) * scale
    deciles["upper_95"] = byars_upper(deciles["events"]) * scale
    return slope_index_of_inequality(deciles, value_type="rate", draws=10_000)


def main(synth_dir: Path, out_dir: Path, ingest_only: bool = False) -> dict:
    if ingest_only:
        return read_feeds(synth_dir, out_dir, keep=())[1]
    frames, _ = read_feeds(synth_dir, out_dir)
    ed = attendances(frames)
    return {"four_hour_rows": len(four_hour_performance(ed)), "readmission_rows": len(readmissions_30d(frames)),
            "sii_rows": len(emergency_attendance_sii(ed)), "attendances": len(ed)}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]), ingest_only="--ingest-only" in sys.argv[3:])))
