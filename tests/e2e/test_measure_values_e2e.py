"""End to end for the measure frame: synthetic ECDS, MIU and GP list files -> ingest -> dbt -> gate -> publication.

Every expected number is recomputed here with pandas straight from the synthetic CSV files and the public IMD
file (not through the project's SQL), then compared with marts.measure_values and the published table.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from config.contracts import contract_for_file
from stats import wilson_lower, wilson_upper

pytestmark = [pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
IMD = REPO / "reference/geography/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
FEEDS = ["rwp_ecds", "rlq_ecds", "r1a_miu", "qgh_gp_list"]
ORGANISATION_OF_FILE = {"RWP_ECDS": "RWP", "WVT_ECDS": "RLQ", "R1A_MIU": "R1A"}
# The system's places by local authority district (2019), written out here rather than read from the seed.
PLACE_OF_DISTRICT = {"E06000019": "E06000019", **{d: "E10000034" for d in (
    "E07000234", "E07000235", "E07000236", "E07000237", "E07000238", "E07000239")}}
APRIL = "2025-04-01"
UNLINKED_MIU_ROWS = 6  # April MIU rows delivered without an NHS Number


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """GIVEN two clean synthetic months (20,000 people) of both trusts' ECDS, the minor injury units and the GP
    list, with the NHS Number blanked on six April MIU rows, WHEN the whole pipeline runs once (ingest, dbt
    build, gate, publication) THEN yield the settings and every attendance read back from the CSV files."""
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
        miu = synth / "R1A" / "miu" / "R1A_MIU_202504.csv"
        rows = pd.read_csv(miu, dtype=str, keep_default_na=False)  # MIU files are comma-separated
        rows.loc[: UNLINKED_MIU_ROWS - 1, "nhs_number"] = ""
        rows.to_csv(miu, index=False)
        files = sorted(synth.rglob("*.csv"))
        summary = run_once(paths=files, settings=settings)
        assert not summary.refused and len(summary.loaded) == len(files)
        yield settings, attendances(files)


def read_delivered(path: Path, organisation: str) -> pd.DataFrame:
    """A delivered file as its sender wrote it (delimiter and timestamp format as its contract declares)."""
    file_spec = contract_for_file(REPO / "contracts", path.name).file
    rows = pd.read_csv(path, dtype=str, sep=file_spec.delimiter)
    for column in ("arrival_datetime", "departure_datetime"):
        rows[column] = pd.to_datetime(rows[column], format=file_spec.timestamp_format)
    return rows.assign(organisation=organisation)


def attendances(files: list[Path]) -> pd.DataFrame:
    """Every delivered attendance with its organisation, seconds in department, month and place and IMD
    quintile of residence (a Welsh LSOA is outside England's index), from the files themselves."""
    rows = pd.concat([read_delivered(f, organisation) for f in files for prefix, organisation
                      in ORGANISATION_OF_FILE.items() if f.name.startswith(prefix)], ignore_index=True)
    arrived = rows["arrival_datetime"]
    rows["seconds"] = (rows["departure_datetime"] - arrived).dt.total_seconds()
    rows["month"] = arrived.dt.strftime("%Y-%m-01")
    imd = pd.read_csv(IMD, dtype=str, encoding="utf-8-sig").set_index("LSOA code (2011)")
    decile = rows["lsoa_code"].map(imd["Index of Multiple Deprivation (IMD) Decile"]).astype(float)
    quintile = np.ceil(decile / 2).map(lambda q: "unknown" if np.isnan(q) else str(int(q)))
    rows["imd_quintile"] = quintile.mask(rows["lsoa_code"].str.startswith("W01", na=False), "outside_england")
    district = rows["lsoa_code"].map(imd["Local Authority District code (2019)"])
    rows["place"] = district.map(PLACE_OF_DISTRICT).fillna("outside_system")
    return rows


# Each measure as the issue words it, over the delivered rows: (denominator mask, numerator mask).
DEFINITIONS = {
    "ed_4h_all_types": lambda r: (r["seconds"].notna(), r["seconds"] <= 240 * 60),
    "ed_4h_type1": lambda r: (r["department_type"] == "01", r["seconds"] <= 240 * 60),
    "ed_12h_from_arrival": lambda r: (r["department_type"] == "01", r["seconds"] > 720 * 60),
}


def expected(rows: pd.DataFrame, measure_id: str) -> tuple[int, int]:
    denominator, numerator = DEFINITIONS[measure_id](rows)
    return int((denominator & numerator).sum()), int(denominator.sum())


def warehouse(settings, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
        return con.sql(sql).df()


def published(settings, table: str = "measure_values") -> pd.DataFrame:
    root = settings.publications_dir / table
    version = (root / "LATEST").read_text().strip()
    manifest = json.loads((root / version / "manifest.json").read_text())
    assert manifest["gate"]["success"]
    frame = pd.read_csv(root / version / f"{table}.csv", dtype={"breakdown_value": str})
    return frame.set_index(["measure_id", "period_start", "area_type", "area_code", "breakdown", "breakdown_value"])


def all_rows(settings) -> pd.DataFrame:
    return warehouse(settings, "select * from marts.measure_values where breakdown = 'all'").assign(
        period_start=lambda f: f["period_start"].astype(str)).set_index(["measure_id", "period_start", "area_type",
                                                                           "area_code"])


@pytest.mark.parametrize("measure_id", sorted(DEFINITIONS))
def test_each_ed_measure_for_the_system_and_an_organisation_equals_the_value_from_the_files(pipeline, measure_id):
    """GIVEN the pipeline's run WHEN April's value of the measure is read for the system and for RWP THEN its
    numerator, denominator and percentage equal those computed from the CSV rows, in the warehouse exactly and
    in the publication to one decimal place from the counts rounded to 5 (or suppressed under nhs_standard, where
    1 to 7, or secondary suppression chose it)."""
    settings, rows = pipeline
    values, publication = all_rows(settings), published(settings)
    april = rows[rows["month"] == APRIL]
    for area_type, area_code, subset in [("system", "QGH", april), ("organisation", "RWP",
                                                                     april[april["organisation"] == "RWP"])]:
        numerator, denominator = expected(subset, measure_id)
        got = values.loc[(measure_id, APRIL, area_type, area_code)]
        assert (got["numerator"], got["denominator"]) == (numerator, denominator), (area_type, area_code)
        assert got["value"] == pytest.approx(100 * numerator / denominator, abs=1e-9)
        out = publication.loc[(measure_id, APRIL, area_type, area_code, "all", "all")]
        if 1 <= numerator <= 7:  # nhs_standard: suppressed
            assert pd.isna(out["numerator"]) and pd.isna(out["value"]) and out["suppressed"]
        if pd.notna(out["numerator"]):  # published: the value from the counts rounded to 5
            rounded = [5 * ((count * 2 + 5) // 10) for count in (numerator, denominator)]
            assert out["value"] == round(100 * rounded[0] / rounded[1], 1)
            assert out["denominator"] == rounded[1]
        else:  # a small count, or the complementary cell of one (secondary suppression)
            assert pd.isna(out["value"]) and out["suppressed"]


def test_limits_are_wilson_score_limits_of_the_true_counts(pipeline):
    """GIVEN the warehouse's April rows of every ED measure and area WHEN their limits are compared with the stats
    package's Wilson limits of the true counts THEN they agree at 95% and 99.8%."""
    settings, _ = pipeline
    rows = warehouse(settings, "select * from marts.measure_values where period_start = '2025-04-01' "
                               "and unit = 'percent'")  # the proportions (the standardised rates have Dobson's)
    for level, suffix in [(0.95, "95"), (0.998, "998")]:
        lower = 100 * wilson_lower(rows["numerator"], rows["denominator"], level)
        upper = 100 * wilson_upper(rows["numerator"], rows["denominator"], level)
        assert np.allclose(rows[f"lower_{suffix}"], lower, atol=1e-9)
        assert np.allclose(rows[f"upper_{suffix}"], upper, atol=1e-9)


def test_deprivation_and_place_come_from_the_lsoa_of_residence(pipeline):
    """GIVEN the pipeline's run WHEN the system's April rows of ed_4h_all_types by IMD quintile and the place rows
    are read THEN each matches the attendances of that quintile or place computed from the rows' LSOA with the
    IMD file (national quintile = ceil(decile / 2)), and every quintile's denominators add up to the system's."""
    settings, rows = pipeline
    april = rows[rows["month"] == APRIL]
    mv = warehouse(settings, "select * from marts.measure_values where measure_id = 'ed_4h_all_types' "
                             "and period_start = '2025-04-01'")
    by_quintile = mv[(mv["area_type"] == "system") & (mv["breakdown"] == "imd_quintile")].set_index("breakdown_value")
    for quintile, subset in april.groupby("imd_quintile"):
        assert (by_quintile.loc[quintile, "numerator"], by_quintile.loc[quintile, "denominator"]) == expected(
            subset, "ed_4h_all_types"), quintile
    places = mv[mv["area_type"] == "place"].set_index("area_code")
    inside = april[april["place"] != "outside_system"]
    assert sorted(places.index) == sorted(inside["place"].unique())
    for place, subset in inside.groupby("place"):
        assert (places.loc[place, "numerator"], places.loc[place, "denominator"]) == expected(
            subset, "ed_4h_all_types"), place
    assert by_quintile["denominator"].sum() == len(april)


def test_records_without_an_nhs_number_are_counted_as_unlinked_and_kept(pipeline):
    """GIVEN six April MIU attendances delivered without an NHS Number WHEN person_linkage is read THEN R1A's
    April row of ed_4h_all_types shows exactly six unlinked records (no person_id), every other record linked to
    the GP list snapshot on or before arrival, and the six still count in the measure's denominator."""
    settings, rows = pipeline
    linkage = warehouse(settings, "select * from marts.person_linkage where measure_id = 'ed_4h_all_types' "
                                  "and organisation_code = 'R1A' and period_start = '2025-04-01'").iloc[0]
    delivered = int(((rows["organisation"] == "R1A") & (rows["month"] == APRIL)).sum())
    assert linkage["feed_ids"] == "r1a_miu"
    assert (linkage["records"], linkage["unlinked_no_person_id"], linkage["linked_on_or_before"]) == (
        delivered, UNLINKED_MIU_ROWS, delivered - UNLINKED_MIU_ROWS)
    assert all_rows(settings).loc[("ed_4h_all_types", APRIL, "organisation", "R1A"), "denominator"] == delivered
