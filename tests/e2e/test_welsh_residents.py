"""End to end: Wye Valley's Welsh residents load, are counted, and reach the mart and the publication as
'outside_england', never under an English quintile. Expected numbers come from the delivered rows with pandas."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from outcomes.pipeline import run_once
from synth import SynthConfig, generate
from tests.e2e.test_pipeline_run import FOUR_HOUR_LINEAGE

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def wye_valley_ecds(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", "1")
    out = tmp_path_factory.mktemp("synth")
    generate(SynthConfig(out_dir=out, population=40_000, months=2, start="2025-04", clean=True, seed=7,
                         feeds=["rlq_ecds"]))
    return sorted((out / "RLQ" / "ecds").glob("*.csv"))


def _delivered(files) -> pd.DataFrame:
    rows = pd.concat([pd.read_csv(f, sep="|", dtype=str, keep_default_na=False).assign(file=f.name) for f in files])
    arrived = pd.to_datetime(rows["arrival_datetime"], format="%d/%m/%Y %H:%M")
    departed = pd.to_datetime(rows["departure_datetime"], format="%d/%m/%Y %H:%M")
    rows["month"] = arrived.dt.date.map(lambda d: d.replace(day=1))
    rows["within"] = (departed - arrived) <= pd.Timedelta(hours=4)
    rows["welsh"] = rows["lsoa_code"].str.startswith("W01")
    return rows


def test_welsh_residents_reach_the_mart_as_outside_england(settings, wye_valley_ecds):
    """GIVEN two clean months of Wye Valley emergency care, about 7% of them residents of Powys and Monmouthshire
    WHEN the pipeline runs once (ingest, the four-hour table's dbt lineage, its gate and publication)
    THEN every row loads and each file's ingest counts exactly its Welsh rows as residents outside England; the
    mart has, per month, an RLQ 'outside_england' row holding exactly the Welsh attendances and their 4-hour
    count, the English quintiles and 'unknown' hold exactly the other rows; and the publication carries the
    'outside_england' rows."""
    from config.settings import get_settings

    settings = get_settings()
    rows = _delivered(wye_valley_ecds)
    assert 0.04 < rows["welsh"].mean() < 0.10

    summary = run_once(paths=wye_valley_ecds, settings=settings, **FOUR_HOUR_LINEAGE)  # the test reads that table only

    assert not summary.refused
    counted = {r["file"]: (r["rows_accepted"], r["rows_outside_england"]) for r in summary.loaded}
    assert counted == {name: (len(g), int(g["welsh"].sum())) for name, g in rows.groupby("file")}
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        mart = con.sql("select month, imd_quintile, attendances, within_four_hours "
                       "from marts.ed_four_hour_performance where organisation_code = 'RLQ'").df()
    mart["month"] = mart["month"].dt.date
    outside = mart[mart["imd_quintile"] == "outside_england"].set_index("month").sort_index()  # no order in SQL
    welsh = rows[rows["welsh"]].groupby("month").agg(attendances=("within", "size"), within=("within", "sum"))
    assert list(outside.index) == sorted(welsh.index) and len(welsh) == 2
    for month, expected in welsh.iterrows():
        assert (outside.loc[month, "attendances"], outside.loc[month, "within_four_hours"]) == (
            expected["attendances"], expected["within"]), month
    english = mart[mart["imd_quintile"] != "outside_england"]
    assert set(english["imd_quintile"]) <= {"1", "2", "3", "4", "5", "unknown"}
    assert english["attendances"].sum() == (~rows["welsh"]).sum()
    (publication,) = [p for p in summary.publications if p["table"] == "ed_four_hour_performance"]
    published = pd.read_csv(publication["path"] / "ed_four_hour_performance.csv", dtype={"imd_quintile": str})
    assert (published.query("organisation_code == 'RLQ'")["imd_quintile"] == "outside_england").sum() == 2
