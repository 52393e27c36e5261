"""The real LSOAs (2011) of Herefordshire and Worcestershire, with population, deprivation and rurality."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

# Local authority districts (2019) of the system: Herefordshire unitary and the six Worcestershire districts.
DISTRICTS: dict[str, tuple[str, str]] = {
    "E06000019": ("Herefordshire, County of", "Herefordshire"),
    "E07000234": ("Bromsgrove", "Worcestershire"),
    "E07000235": ("Malvern Hills", "Worcestershire"),
    "E07000236": ("Redditch", "Worcestershire"),
    "E07000237": ("Worcester", "Worcestershire"),
    "E07000238": ("Wychavon", "Worcestershire"),
    "E07000239": ("Wyre Forest", "Worcestershire"),
}
PLACES = ["Herefordshire", "Worcestershire"]


@dataclass(frozen=True)
class Geography:
    lsoas: pd.DataFrame  # one row per LSOA: lsoa_code, district_code, district, place, imd_decile, imd_quintile,
    #                      rural, pop_total, pop_0_15, pop_16_59, pop_60_plus

    @property
    def codes(self) -> np.ndarray:
        return self.lsoas["lsoa_code"].to_numpy(dtype=object)


def load_geography(reference_dir: Path) -> Geography:
    geo = Path(reference_dir) / "geography"
    f1 = geo / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
    f6 = geo / "File_6_-_IoD2019_Population_Denominators.csv.gz"
    ruc = geo / "RUC11_LSOA11_England_Wales.csv.gz"
    for f in (f1, f6, ruc):
        if not f.exists():
            raise FileNotFoundError(f"{f}: reference geography file missing (copy /work/shared/reference/geography)")
    codes = ", ".join(f"'{c}'" for c in DISTRICTS)
    sql = f"""
        with imd as (
            select "LSOA code (2011)" as lsoa_code, "Local Authority District code (2019)" as district_code,
                   cast("Index of Multiple Deprivation (IMD) Decile" as integer) as imd_decile
            from read_csv('{f1}', all_varchar = true)
            where "Local Authority District code (2019)" in ({codes})
        ), pop as (
            select "LSOA code (2011)" as lsoa_code,
                   cast(replace("Total population: mid 2015 (excluding prisoners)", ',', '') as integer) as pop_total,
                   cast(replace("Dependent Children aged 0-15: mid 2015 (excluding prisoners)", ',', '') as integer)
                       as pop_0_15,
                   cast(replace("Population aged 16-59: mid 2015 (excluding prisoners)", ',', '') as integer)
                       as pop_16_59,
                   cast(replace("Older population aged 60 and over: mid 2015 (excluding prisoners)", ',', '')
                        as integer) as pop_60_plus
            from read_csv('{f6}', all_varchar = true)
        ), ruc as (
            select LSOA11CD as lsoa_code, RUC11 like 'Rural%' as rural from read_csv('{ruc}', all_varchar = true)
        )
        select imd.lsoa_code, imd.district_code, imd.imd_decile, cast(ceil(imd.imd_decile / 2) as integer)
               as imd_quintile, ruc.rural, pop.pop_total, pop.pop_0_15, pop.pop_16_59, pop.pop_60_plus
        from imd join pop using (lsoa_code) join ruc using (lsoa_code)
        order by imd.lsoa_code
    """
    with duckdb.connect() as con:
        df = con.sql(sql).df()
    df["district"] = df["district_code"].map(lambda c: DISTRICTS[c][0])
    df["place"] = df["district_code"].map(lambda c: DISTRICTS[c][1])
    if len(df) != 480:
        raise ValueError(f"expected the 480 Herefordshire and Worcestershire LSOAs, found {len(df)}")
    return Geography(df.reset_index(drop=True))
