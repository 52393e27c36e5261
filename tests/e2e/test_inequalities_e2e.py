"""End to end for the inequality tables: synthetic ECDS, MIU, APC and GP list files -> ingest -> dbt -> gate ->
publication, then the effects the generator builds in, read back with the limits the warehouse computed.

- The directly standardised attendance rate equals the reference implementation (stats.directly_standardised_rate)
  on the warehouse's events by age band and a registered population counted here from the GP list file.
- The SII of ed_attendance_rate_dsr across IMD deciles is negative (more attendances in more deprived areas, as
  synth's ecds_attendance_rate_ratio_by_imd_quintile intends) and its computed 95% interval excludes zero.
- The published measure_values carries compared_to_system; the built inequality_summary has its locked columns.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from config.published_schemas import load_published_schemas
from stats import ESP2013, directly_standardised_rate

pytestmark = [pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
IMD = REPO / "reference/geography/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
FEEDS = ["rwp_ecds", "rlq_ecds", "r1a_miu", "qgh_gp_list", "rwp_apc", "rlq_apc"]
SYSTEM_DISTRICTS = {"E06000019", "E07000234", "E07000235", "E07000236", "E07000237", "E07000238", "E07000239"}
APRIL = "2025-04-01"


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """GIVEN two clean synthetic months (20,000 people) of both trusts' ECDS and APC, the minor injury units and
    the GP list WHEN the pipeline runs once (ingest, the dbt models behind the outcomes and inequality marts,
    the measure_values gate and publication) THEN yield the settings and the synthetic folder."""
    from outcomes.pipeline import run_once
    from synth import SynthConfig, generate
    from tests.conftest import TEST_KEY

    synth = tmp_path_factory.mktemp("synth")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OUTCOMES_WORK_DIR", str(tmp_path_factory.mktemp("work")))
        mp.setenv("OUTCOMES_PSEUDONYM_KEY", TEST_KEY)
        mp.setenv("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", "1")
        from config.settings import get_settings

        settings = get_settings()
        generate(SynthConfig(out_dir=synth, population=20_000, months=2, start="2025-04", clean=True, seed=7,
                             feeds=FEEDS, reference_dir=REPO / "reference"))
        files = sorted(synth.rglob("*.csv"))
        summary = run_once(paths=files, settings=settings, tables=["measure_values"],
                           select=["+measure_values", "+inequality_summary", "+core20plus5"])
        assert not summary.refused and len(summary.loaded) == len(files)
        yield settings, synth


def warehouse(settings, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
        return con.sql(sql).df()


def register_residents(synth: Path, snapshot: str) -> pd.DataFrame:
    """People on the GP list snapshot resident in the system's places, by ESP five-year band, from the file."""
    gp = pd.concat(pd.read_csv(p, dtype=str) for p in synth.rglob("QGH_GPLIST_*.csv"))
    gp = gp[gp["snapshot_date"] == snapshot]
    district = gp["lsoa_code"].map(pd.read_csv(IMD, dtype=str, encoding="utf-8-sig")
                                   .set_index("LSOA code (2011)")["Local Authority District code (2019)"])
    gp = gp[district.isin(SYSTEM_DISTRICTS)]
    born, on = pd.to_datetime(gp["date_of_birth"]), pd.Timestamp(snapshot)
    before_birthday = (born.dt.month > on.month) | ((born.dt.month == on.month) & (born.dt.day > on.day))
    age = on.year - born.dt.year - before_birthday.astype(int)
    band = np.minimum(age // 5, 18)
    labels = list(ESP2013)
    return band.map(lambda b: labels[b]).value_counts().rename("population")


def test_the_attendance_dsr_equals_the_reference_on_a_population_counted_from_the_file(pipeline):
    """GIVEN the run WHEN the system's April ed_attendance_rate_dsr is recomputed with stats (Python) from the
    warehouse's resident events by age band and the register residents counted from the GP list file (snapshot
    2025-04-01, the latest on or before 30 April) THEN the value and its Dobson limits agree to 1e-9, and the
    denominator is the file's residents."""
    settings, synth = pipeline
    events = warehouse(settings, f"""
        select age_band_5y as age_band, sum(numerator) as events
        from intermediate.int_measure_records_enriched
        where measure_id = 'ed_attendance_rate_dsr' and period_start = '{APRIL}'
          and place_code != 'outside_system' and age_band_5y != 'unknown'
        group by 1""").set_index("age_band")["events"]
    bands = pd.DataFrame(index=pd.Index(list(ESP2013), name="age_band"))
    bands = bands.join(events).join(register_residents(synth, APRIL)).fillna(0.0).reset_index()
    reference = directly_standardised_rate(bands).iloc[0]
    row = warehouse(settings, f"""select * from marts.measure_values where measure_id = 'ed_attendance_rate_dsr'
        and period_start = '{APRIL}' and area_type = 'system' and breakdown = 'all'""").iloc[0]
    assert row["denominator"] == bands["population"].sum() and row["numerator"] == bands["events"].sum()
    for column in ("value", "lower_95", "upper_95", "lower_998", "upper_998"):
        assert row[column] == pytest.approx(reference[column], rel=1e-9)


def test_more_attendances_in_more_deprived_areas_is_recovered_with_its_limits(pipeline):
    """GIVEN synth's intended attendance rate ratios by IMD quintile (most deprived highest) WHEN the system's SII
    of ed_attendance_rate_dsr across IMD deciles is read, each month THEN it is negative (PHEindicatormethods'
    sign: least minus most deprived), its computed 95% interval lies below zero, and the RII is below 1."""
    settings, synth = pipeline
    intended = json.loads((synth / "truth.json").read_text())["effects"]["ecds_attendance_rate_ratio_by_imd_quintile"]
    assert intended["1"] > intended["5"]
    rows = warehouse(settings, """select * from marts.inequality_summary where measure_id = 'ed_attendance_rate_dsr'
        and area_type = 'system' and dimension = 'imd_decile' order by period_start""")
    assert len(rows) == 2
    assert (rows["sii"] < 0).all() and (rows["sii_upper_95"] < 0).all() and (rows["sii_lower_95"] < rows["sii"]).all()
    assert (rows["rii_upper_95"] < 1).all()
    assert (rows["most_deprived_value"] > rows["least_deprived_value"]).all()


def test_the_built_and_published_tables_carry_their_locked_columns(pipeline):
    """GIVEN the run WHEN the built inequality marts and the published measure_values are read THEN their columns
    are the latest published-schema versions, and compared_to_system is filled for every published row."""
    settings, _ = pipeline
    schemas = load_published_schemas().tables
    for table in ("inequality_summary", "core20plus5", "measure_values"):
        columns = warehouse(settings, f"select * from marts.{table} limit 0").columns.tolist()
        assert columns == schemas[table].version.columns
    root = settings.publications_dir / "measure_values"
    version = (root / "LATEST").read_text().strip()
    published = pd.read_csv(root / version / "measure_values.csv", dtype={"breakdown_value": str})
    shown = published[published["value"].notna()]
    assert set(shown["compared_to_system"]) <= {"better", "similar", "worse", "higher", "lower", "not_compared"}
    assert {"higher", "lower"} & set(shown.loc[shown["measure_id"] == "ed_attendance_rate_dsr",
                                               "compared_to_system"])


def test_the_quintile_values_behind_the_summary_are_the_published_breakdown_values(pipeline):
    """GIVEN the run WHEN the system's IMD quintile values behind inequality_summary (a proportion and a
    standardised rate) are set beside measure_values' imd_quintile breakdown rows THEN counts, values and 95%
    limits are the same, and the summary's most and least deprived values are quintiles 1 and 5."""
    settings, _ = pipeline
    joined = warehouse(settings, """
        select q.measure_id, q.period_start, q.quantile, q.numerator, q.population, q.value, q.lower_95, q.upper_95,
               v.numerator as v_numerator, v.denominator as v_denominator, v.value as v_value,
               v.lower_95 as v_lower_95, v.upper_95 as v_upper_95
        from intermediate.int_inequality_quantiles as q
        inner join marts.measure_values as v
            on q.measure_id = v.measure_id and q.period_start = v.period_start and v.area_type = 'system'
            and v.breakdown = 'imd_quintile' and v.breakdown_value = cast(q.quantile as varchar)
        where q.area_type = 'system' and q.dimension = 'imd_quintile'
          and q.measure_id in ('ed_4h_all_types', 'ed_attendance_rate_dsr')""")
    assert set(joined["measure_id"]) == {"ed_4h_all_types", "ed_attendance_rate_dsr"} and len(joined) == 20
    for mine, theirs in [("numerator", "v_numerator"), ("population", "v_denominator"), ("value", "v_value"),
                         ("lower_95", "v_lower_95"), ("upper_95", "v_upper_95")]:
        assert np.allclose(joined[mine], joined[theirs], rtol=1e-12, equal_nan=True)
    ends = joined[joined["quantile"].isin([1, 5])].pivot_table(index=["measure_id", "period_start"],
                                                                columns="quantile", values="value")
    summary = warehouse(settings, """select measure_id, period_start, most_deprived_value, least_deprived_value
        from marts.inequality_summary where area_type = 'system' and dimension = 'imd_quintile'
          and measure_id in ('ed_4h_all_types', 'ed_attendance_rate_dsr')""").set_index(["measure_id", "period_start"])
    summary = summary.loc[ends.index]
    assert np.allclose(summary["most_deprived_value"], ends[1])
    assert np.allclose(summary["least_deprived_value"], ends[5])
