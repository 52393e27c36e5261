"""The real LSOAs (2011) of Herefordshire and Worcestershire, with population, deprivation and rurality; and the
Welsh border LSOAs whose residents Wye Valley treats."""

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

# The two Welsh unitary authorities on Herefordshire's border; their LSOAs are named "<authority> <MSOA><letter>".
BORDER_DISTRICTS: dict[str, str] = {"W06000023": "Powys", "W06000021": "Monmouthshire"}
# The reference denominators cover England only. ONS builds LSOAs of 1,000-3,000 residents; Wales had 3.06 million
# in 1,909 LSOAs in 2011, so each Welsh LSOA counts as 1,600 (used only to size the synthetic Welsh practice list).
WELSH_LSOA_POPULATION = 1_600


@dataclass(frozen=True)
class Geography:
    lsoas: pd.DataFrame  # one row per LSOA: lsoa_code, district_code, district, place, imd_decile, imd_quintile,
    #                      rural, pop_total, pop_0_15, pop_16_59, pop_60_plus

    @property
    def codes(self) -> np.ndarray:
        return self.lsoas["lsoa_code"].to_numpy(dtype=object)

    def of_place(self, place: str) -> Geography:
        """The LSOAs of one place (``Herefordshire``, ``Worcestershire``)."""
        return Geography(self.lsoas[self.lsoas["place"] == place].reset_index(drop=True))


def _require(*files: Path) -> None:
    for f in files:
        if not f.exists():
            raise FileNotFoundError(f"{f}: reference geography file missing (copy /work/shared/reference/geography)")


def load_geography(reference_dir: Path) -> Geography:
    geo = Path(reference_dir) / "geography"
    f1 = geo / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
    f6 = geo / "File_6_-_IoD2019_Population_Denominators.csv.gz"
    ruc = geo / "RUC11_LSOA11_England_Wales.csv.gz"
    _require(f1, f6, ruc)
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


def load_border_geography(reference_dir: Path) -> Geography:
    """Every 2011 LSOA of Powys and Monmouthshire (from the rural-urban classification of England and Wales, which
    names them): one row per LSOA with lsoa_code, district_code, district, place ``Wales``, rural and pop_total.
    They have no English deprivation decile or quintile, and the reference data give no coordinates, so all of
    them are equally likely homes of the border population."""
    ruc = Path(reference_dir) / "geography" / "RUC11_LSOA11_England_Wales.csv.gz"
    _require(ruc)
    names = " or ".join(f"LSOA11NM like '{name} %'" for name in BORDER_DISTRICTS.values())
    with duckdb.connect() as con:
        df = con.sql(f"""
            select LSOA11CD as lsoa_code, LSOA11NM as lsoa_name, RUC11 like 'Rural%' as rural
            from read_csv('{ruc}', all_varchar = true)
            where LSOA11CD like 'W01%' and ({names})
            order by LSOA11CD
        """).df()
    district = {name: code for code, name in BORDER_DISTRICTS.items()}
    df["district"] = df["lsoa_name"].str.rsplit(" ", n=1).str[0]
    df["district_code"] = df["district"].map(district)
    df["place"] = "Wales"
    df["pop_total"] = WELSH_LSOA_POPULATION
    if df.empty or df["district_code"].isna().any():
        raise ValueError(f"{ruc}: expected the LSOAs of {', '.join(BORDER_DISTRICTS.values())}, found {len(df)}")
    return Geography(df.reset_index(drop=True))
