"""Reference lists the row checks use: code lists in contracts/reference/*.csv and the LSOA list.

Each becomes a table ``ref_<code_list>`` / ``ref_lsoa`` (column ``code``) in the process's ingest database,
loaded once and reloaded when its source file changes (see ingest.engine.shared_table).

The LSOA list is every 2011 LSOA of England and Wales (the ONS rural-urban classification covers both): a
resident of Wales (``W01...``) treated by an English trust is a valid residence, not a defect. Whether a
residence is inside England's deprivation index is the warehouse's business (``reference.lsoas``), not ingest's.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb

from config.contracts import Contract
from config.settings import Settings
from ingest import engine
from ingest.row_checks import lit

LSOA_FILE = "geography/RUC11_LSOA11_England_Wales.csv.gz"  # column LSOA11CD: E01... England, W01... Wales


def _signature(path: Path) -> tuple:
    stat = path.stat()
    return (str(path), stat.st_mtime_ns, stat.st_size)


def load_reference_tables(settings: Settings, contract: Contract) -> None:
    """Make sure every reference table the contract's rules use exists for this process."""
    lists = {c.code_list for c in contract.columns if c.code_list}
    for name in sorted(lists):
        path = settings.contracts_dir / "reference" / f"{name}.csv"
        if not path.exists():
            raise FileNotFoundError(f"contract {contract.feed_id}: code list {name!r} not found at {path}")
        engine.shared_table(settings, f"ref_{name}", _signature(path),
                            "select distinct trim(code) as code from read_csv(?, header=true, all_varchar=true)",
                            [str(path)])
    if any(c.check == "lsoa" for c in contract.columns):
        source = settings.reference_dir / LSOA_FILE
        if not source.exists():
            raise FileNotFoundError(f"contract {contract.feed_id}: the LSOA list {source} is missing")
        cached = _cached_lsoa_codes(source, settings.lake_dir / "_reference")
        engine.shared_table(settings, "ref_lsoa", _signature(source),
                            "select code from read_parquet(?)", [str(cached)])


def _cached_lsoa_codes(source: Path, cache_dir: Path) -> Path:
    """The LSOA code list as a small Parquet file, made once (atomically) instead of parsing the gzip per process."""
    target = cache_dir / "lsoa11_codes_england_wales.parquet"
    if not target.exists() or target.stat().st_mtime_ns < source.stat().st_mtime_ns:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f".{target.stem}.{os.getpid()}.{threading.get_ident()}.parquet"  # a process, a lane
        with duckdb.connect() as con:
            con.execute(f"copy (select distinct LSOA11CD as code from read_csv({lit(str(source))}, "
                        f"header=true, all_varchar=true)) to {lit(str(tmp))} (format parquet)")
        os.replace(tmp, target)
    return target
