"""Reference lists the row checks use: code lists in contracts/reference/*.csv and the LSOA list."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingest.contract import Contract

IMD_FILE = "geography/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"


def load_reference_tables(con: duckdb.DuckDBPyConnection, contract: Contract, contracts_dir: Path,
                          reference_dir: Path) -> None:
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
        con.execute(
            "create or replace temp table ref_lsoa as select distinct \"LSOA code (2011)\" as code "
            "from read_csv(?, header=true, all_varchar=true)",
            [str(reference_dir / IMD_FILE)],
        )
