"""Reference lists the row checks use: code lists in contracts/reference/*.csv and the LSOA list."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from ingest.contract import Contract

IMD_FILE = "geography/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"


def load_reference_tables(con: duckdb.DuckDBPyConnection, contract: Contract, contracts_dir: Path,
                          reference_dir: Path, cache_dir: Path | None = None) -> None:
    """Create ``ref_<code_list>`` tables (column ``code``) and ``ref_lsoa`` (column ``code``) on ``con``."""
    lists = {c.code_list for c in contract.columns if c.code_list}
    for name in sorted(lists):
        path = contracts_dir / "reference" / f"{name}.csv"
        if not path.exists():
            raise FileNotFoundError(f"contract {contract.feed_id}: code list {name!r} not found at {path}")
        con.execute(
            f"create or replace temp table ref_{name} as "
            f"select distinct trim(code) as code from read_csv(?, header=true, all_varchar=true)",
            [str(path)],
        )
    if any(c.check == "lsoa" for c in contract.columns):
        source = f"read_csv('{reference_dir / IMD_FILE}', header=true, all_varchar=true)"
        if cache_dir is not None:
            source = f"read_parquet('{_cached_lsoa_codes(con, source, cache_dir)}')"
            con.execute(f"create or replace temp table ref_lsoa as select code from {source}")
        else:
            con.execute(f"create or replace temp table ref_lsoa as select distinct \"LSOA code (2011)\" as code "
                        f"from {source}")


def _cached_lsoa_codes(con: duckdb.DuckDBPyConnection, csv_source: str, cache_dir: Path) -> Path:
    """The LSOA code list as a small Parquet file, made once (atomically) instead of parsing the gzip per file."""
    target = cache_dir / "lsoa11_codes.parquet"
    if not target.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f".lsoa11_codes.{os.getpid()}.parquet"
        query = f"select distinct \"LSOA code (2011)\" as code from {csv_source}"
        con.execute(f"copy ({query}) to '{tmp}' (format parquet)")
        os.replace(tmp, target)
    return target
