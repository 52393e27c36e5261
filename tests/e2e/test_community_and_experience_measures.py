"""End to end for issue 12's measures 5-9 (reablement at home 91 days and its linkage to hospital discharges, care
closer to home, Healthwatch feedback, SMI health checks): synthetic files -> ingest -> dbt -> marts.measure_values,
against values recomputed here with pandas straight from the delivered CSV and XLSX files (never through the
project's SQL); the synthetic Core20 SMI effect recorded in truth.json coming back out of the published limits; and
no free-text comment anywhere past the lake.

Three generator runs of the same seed: four months (April-July 2025, 100,000 people) of both councils' reablement,
both acute trusts' APC and both Healthwatch feeds; April only of the community trust's contacts, minor injury units
and mental-health contacts and the acute trusts' ECDS and outpatients (the same people: the streams depend on the
seed only); and April's SMI register for 300,000 people (enough for the Core20 effect to stand out of its limits).
So reablement_at_home_91d publishes April (30 April + 91 days is 30 July), reablement_linked_to_discharge June (the
trusts' April-June history and July delivered), care_closer_to_home_share April, the feedback April-June quarter.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from config.contracts import contract_for_file, load_contracts
from config.settings import Settings, get_settings
from synth import SynthConfig, generate

pytestmark = [pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
SYSTEM = "QGH"
SEED = 12
FOUR_MONTHS = ["e06000019_reablement", "e10000034_reablement", "rwp_apc", "rlq_apc", "hwherefs_feedback",
               "hwworcs_feedback"]
APRIL_ONLY = ["r1a_community", "r1a_miu", "r1a_mh_contacts", "rwp_ecds", "rlq_ecds", "rwp_outpatients",
              "rlq_outpatients"]
MEASURES = ["reablement_at_home_91d", "reablement_linked_to_discharge", "care_closer_to_home_share",
            "patient_feedback_positive_share", "smi_health_checks_all6"]
CHECKS = ["bmi", "blood_pressure", "cholesterol", "hba1c", "smoking_status", "alcohol"]
APRIL, JUNE = pd.Timestamp("2025-04-01"), pd.Timestamp("2025-06-01")


@dataclass
class Built:
    synth: Path  # the four-month and April-only files
    smi: Path  # the SMI register's files
    truth: dict  # the SMI run's truth.json
    settings: Settings

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.settings.snapshot_path), read_only=True) as con:
            return con.sql(sql).df()

    def values(self, measure: str) -> pd.DataFrame:
        return self.query(f"select * from marts.measure_values where measure_id = '{measure}' "
                          "order by period_start, period_end, area_type, area_code, breakdown, breakdown_value")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Iterator[Built]:
    """GIVEN the three clean synthetic runs above, ingested into a fresh working folder; WHEN measure_values and
    the feedback service-type mart are built with everything upstream, and their data tests."""
    from ingest.load import ingest_files
    from tests.conftest import TEST_KEY
    from transform.build import build

    synth, smi = tmp_path_factory.mktemp("synth"), tmp_path_factory.mktemp("smi")
    runs = [(synth, 100_000, 4, FOUR_MONTHS), (synth, 100_000, 1, APRIL_ONLY), (smi, 300_000, 1, ["qgh_smi_checks"])]
    reports = [generate(SynthConfig(out_dir=out, population=people, months=months, start="2025-04", clean=True,
                                    seed=SEED, feeds=feeds, reference_dir=REPO / "reference"))
               for out, people, months, feeds in runs]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OUTCOMES_WORK_DIR", str(tmp_path_factory.mktemp("work")))
        mp.setenv("OUTCOMES_PSEUDONYM_KEY", TEST_KEY)
        mp.setenv("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", "1")
        # the measures' dbt unit tests do not read data: every other build runs them; models and data tests here
        mp.setenv("DBT_EXCLUDE_RESOURCE_TYPES", "unit_test")
        settings = get_settings()
        files = sorted(p for r in reports for p in r.files)
        outcomes = ingest_files(files, settings=settings)
        assert all(getattr(o, "status", None) == "loaded" and o.rows_rejected == 0 for o in outcomes), outcomes
        build(select=["+measure_values", "+patient_feedback_by_service_type", "+core20plus5"], settings=settings)
        yield Built(synth=synth, smi=smi, settings=settings,
                    truth=json.loads(reports[2].truth_path.read_text(encoding="utf-8")))


# ---- the delivered files, read as their senders wrote them -------------------------------------------------------

def _as_dates(values: pd.Series, date_format: str) -> pd.Series:
    """Dates as sent: Excel dates stay dates, text is parsed with the contract's format, empty is NaT."""
    return values.map(lambda v: pd.NaT if v is None or v == "" or (isinstance(v, float) and pd.isna(v))
                      else pd.Timestamp(v) if isinstance(v, dt.datetime)
                      else pd.to_datetime(v, format=date_format))


def read_feed(folder: Path, dates: list[str] = (), timestamps: list[str] = ()) -> pd.DataFrame:
    """Every file of one feed folder (CSV or the XLSX sheet its contract names), as text, dates parsed."""
    frames = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".xlsx")):
        spec = contract_for_file(REPO / "contracts", path.name).file
        if spec.format == "xlsx":
            rows = pd.read_excel(path, sheet_name=spec.sheet, dtype=object, engine="openpyxl")
        else:
            rows = pd.read_csv(path, sep=spec.delimiter, dtype=str, keep_default_na=False)
        for column in dates:
            rows[column] = _as_dates(rows[column], spec.date_format)
        for column in timestamps:
            rows[column] = pd.to_datetime(rows[column], format=spec.timestamp_format)
        frames.append(rows.assign(sender=path.parts[-3]))
    rows = pd.concat(frames, ignore_index=True)
    return rows.map(lambda v: None if v == "" or (isinstance(v, float) and pd.isna(v)) else v)


def completed_years(born: pd.Series, at: pd.Series) -> pd.Series:
    return at.dt.year - born.dt.year - ((at.dt.month * 100 + at.dt.day) < (born.dt.month * 100 + born.dt.day))


def episodes(synth: Path) -> pd.DataFrame:
    """Both councils' reablement episodes with the age at the start of reablement."""
    dates = ["date_of_birth", "hospital_discharge_date", "reablement_start_date", "reablement_end_date"]
    rows = pd.concat([read_feed(synth / council / "reablement", dates) for council in ("E06000019", "E10000034")],
                     ignore_index=True)
    rows["age"] = completed_years(rows["date_of_birth"], rows["reablement_start_date"])
    rows["month"] = rows["hospital_discharge_date"].dt.to_period("M").dt.start_time
    rows["nhs_number"] = rows["nhs_number"].map(lambda v: None if v is None else str(v))
    return rows


def spells(synth: Path) -> pd.DataFrame:
    return pd.concat([read_feed(synth / trust / "apc", ["admission_date", "discharge_date"])
                      for trust in ("RWP", "RLQ")], ignore_index=True)


def share(rows: pd.DataFrame, numerator: pd.Series) -> tuple[int, int, float]:
    return int(numerator.sum()), len(rows), 100 * float(numerator.sum()) / len(rows)


def row(values: pd.DataFrame, period_start, area_code: str, period_end=None, breakdown: str = "all",
        breakdown_value: str = "all") -> pd.Series:
    hit = values[(pd.to_datetime(values["period_start"]) == period_start) & (values["area_code"] == area_code)
                 & (values["breakdown"] == breakdown) & (values["breakdown_value"] == breakdown_value)]
    if period_end is not None:
        hit = hit[pd.to_datetime(hit["period_end"]) == pd.Timestamp(period_end)]
    assert len(hit) == 1, (period_start, area_code, period_end, breakdown, breakdown_value, hit)
    return hit.iloc[0]


def assert_matches(got: pd.Series, expected: tuple[int, int, float]) -> None:
    assert (got["numerator"], got["denominator"]) == expected[:2], (got.to_dict(), expected)
    assert got["value"] == pytest.approx(expected[2], rel=1e-12)
    assert got["lower_95"] <= got["value"] <= got["upper_95"]


# ---- the tests ------------------------------------------------------------------------------------------------

def test_reablement_at_home_91d_equals_the_councils_files(built):
    """WHEN the April value is recomputed from both councils' files (aged 65+ at the start of reablement, at home
    91 days after discharge Y over all, deaths included)
    THEN only April is published (May's 91st day lies past July), and the system and each place (the council)
    equal measure_values."""
    values = built.values("reablement_at_home_91d")
    assert sorted(set(pd.to_datetime(values["period_start"]))) == [APRIL]
    assert set(pd.to_datetime(values["period_end"])) == {pd.Timestamp("2025-04-30")}
    rows = episodes(built.synth)
    cohort = rows[(rows["month"] == APRIL) & (rows["age"] >= 65)]
    assert len(cohort) > 30 and (cohort["at_home_91_days"] == "N").any()
    assert_matches(row(values, APRIL, SYSTEM), share(cohort, cohort["at_home_91_days"] == "Y"))
    for council, part in cohort.groupby("sender"):
        assert_matches(row(values, APRIL, council), share(part, part["at_home_91_days"] == "Y"))


def test_reablement_linked_to_discharge_equals_the_join_of_council_and_trust_files(built):
    """WHEN June's value is recomputed by joining the councils' episodes (65+) to both trusts' spells on the NHS
    Number, a trust discharge within one day of the council's date counting as linked
    THEN only June is published (the trusts' April-June history and July delivered) and the system equals
    measure_values; the share is below 100% (the generator's unrecorded numbers and misdated discharges)."""
    values = built.values("reablement_linked_to_discharge")
    assert sorted(set(pd.to_datetime(values["period_start"]))) == [JUNE]
    rows = episodes(built.synth)
    cohort = rows[(rows["month"] == JUNE) & (rows["age"] >= 65)].reset_index(drop=True)
    trust = spells(built.synth)[["nhs_number", "discharge_date"]].dropna()
    pairs = cohort.reset_index().merge(trust, on="nhs_number")
    near = (pairs["discharge_date"] - pairs["hospital_discharge_date"]).dt.days.abs() <= 1
    linked = cohort.index.isin(pairs.loc[near, "index"])
    expected = share(cohort, pd.Series(linked))
    assert_matches(row(values, JUNE, SYSTEM), expected)
    assert 80 < expected[2] < 100


def test_care_closer_to_home_share_equals_the_nine_feeds(built):
    """WHEN April's share is recomputed from the nine feeds' files (attended community and mental-health
    contacts and minor injury unit attendances over those plus type 01 attendances, spells admitted and attended
    outpatient appointments)
    THEN April alone is published (every feed holds April; May has only spells) and the system equals it."""
    values = built.values("care_closer_to_home_share")
    assert sorted(set(pd.to_datetime(values["period_start"]))) == [APRIL]

    def in_april(stamps: pd.Series) -> pd.Series:
        return stamps.dt.to_period("M").dt.start_time == APRIL

    community = read_feed(built.synth / "R1A" / "community", timestamps=["contact_datetime"])
    mental_health = read_feed(built.synth / "R1A" / "mh_contacts", timestamps=["contact_datetime"])
    miu = read_feed(built.synth / "R1A" / "miu", timestamps=["arrival_datetime"])
    ecds = pd.concat([read_feed(built.synth / t / "ecds", timestamps=["arrival_datetime"]) for t in ("RWP", "RLQ")])
    outpatients = pd.concat([read_feed(built.synth / t / "outpatients", timestamps=["appointment_datetime"])
                             for t in ("RWP", "RLQ")])
    admitted = spells(built.synth)
    attended = ["5", "6"]
    in_community = (
        (in_april(community["contact_datetime"]) & community["attendance_status"].isin(attended)).sum()
        + (in_april(mental_health["contact_datetime"]) & mental_health["attendance_status"].isin(attended)).sum()
        + in_april(miu["arrival_datetime"]).sum())
    in_hospital = (
        (in_april(ecds["arrival_datetime"]) & (ecds["department_type"] == "01")).sum()
        + in_april(admitted["admission_date"]).sum()
        + (in_april(outpatients["appointment_datetime"]) & outpatients["attendance_status"].isin(attended)).sum())
    total = int(in_community + in_hospital)
    assert in_community > 1000 and in_hospital > 1000
    assert_matches(row(values, APRIL, SYSTEM), (int(in_community), total, 100 * in_community / total))


def test_patient_feedback_positive_share_equals_the_healthwatch_files(built):
    """WHEN the April-June quarter is recomputed from both Healthwatch files (sentiment positive over all)
    THEN that quarter alone is published (July's is incomplete); the system and the busiest organisation equal
    measure_values, and the system by service type equals marts.patient_feedback_by_service_type."""
    values = built.values("patient_feedback_positive_share")
    assert set(zip(pd.to_datetime(values["period_start"]), pd.to_datetime(values["period_end"]), strict=True)) == {
        (APRIL, pd.Timestamp("2025-06-30"))}
    assert set(values["area_type"]) == {"system", "organisation"} and set(values["breakdown"]) == {"all"}
    items = pd.concat([read_feed(built.synth / hw / "feedback", ["received_date"]) for hw in ("HWHEREFS", "HWWORCS")])
    quarter = items[items["received_date"].between("2025-04-01", "2025-06-30")]
    quarter = quarter.assign(positive=quarter["sentiment"] == "positive")
    assert_matches(row(values, APRIL, SYSTEM), share(quarter, quarter["positive"]))
    busiest = quarter["organisation_code"].value_counts().index[0]
    part = quarter[quarter["organisation_code"] == busiest]
    assert_matches(row(values, APRIL, busiest), share(part, part["positive"]))
    by_service = built.query("select * from marts.patient_feedback_by_service_type where area_type = 'system'")
    expected = quarter.groupby("service_type")["positive"].agg(["sum", "count"])
    got = by_service.set_index("service_type_code")
    assert sorted(got.index) == sorted(expected.index)
    for service, counts in expected.iterrows():
        assert (got.loc[service, "numerator"], got.loc[service, "denominator"]) == (counts["sum"], counts["count"])


def smi_register(smi: Path) -> pd.DataFrame:
    """April's SMI register with all_six: every check dated after the snapshot minus one year, on or before it."""
    rows = read_feed(smi / "QGH" / "smi_checks", ["snapshot_date"] + [f"{c}_check_date" for c in CHECKS])
    opens_after = rows["snapshot_date"] - pd.DateOffset(years=1)
    inside = [(rows[f"{c}_check_date"] > opens_after) & (rows[f"{c}_check_date"] <= rows["snapshot_date"])
              for c in CHECKS]
    return rows.assign(all_six=pd.concat(inside, axis=1).all(axis=1))


def core20_of(lsoas: pd.Series) -> pd.Series:
    """'core20' for an LSOA in national IMD 2019 deciles 1-2, else 'rest' (the reference file, not the warehouse)."""
    imd = pd.read_csv(REPO / "reference" / "geography" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz",
                      encoding="utf-8-sig", usecols=[0, 5])
    decile = lsoas.map(dict(zip(imd.iloc[:, 0], imd.iloc[:, 1], strict=True)))
    return decile.map(lambda d: "core20" if d <= 2 else "rest")


def test_smi_health_checks_all6_equals_the_register_file(built):
    """WHEN April's value is recomputed from the ICB's register file (all six checks in the 12 months to the
    snapshot) THEN the system and its Core20 and rest rows equal measure_values, against the target of 60%."""
    values = built.values("smi_health_checks_all6")
    register = smi_register(built.smi)
    assert_matches(row(values, APRIL, SYSTEM), share(register, register["all_six"]))
    group = core20_of(register["lsoa_code"])
    for name in ("core20", "rest"):
        part = register[group == name]
        assert_matches(row(values, APRIL, SYSTEM, breakdown="core20", breakdown_value=name),
                       share(part, part["all_six"]))
    assert row(values, APRIL, SYSTEM)["target"] == 60


def test_the_synthetic_core20_smi_effect_comes_back_out(built):
    """GIVEN the intended shares in truth.json (about 42% in Core20, 56% in the rest)
    WHEN the system's Core20 breakdown rows are read from measure_values
    THEN Core20's upper 95% Wilson limit lies below the rest's lower 95% limit (the gap is not noise), and each
    intended share lies inside its own row's 99.8% limits."""
    intended = built.truth["effects"]["smi_health_checks_all6"]
    values = built.values("smi_health_checks_all6")
    core20 = row(values, APRIL, SYSTEM, breakdown="core20", breakdown_value="core20")
    rest = row(values, APRIL, SYSTEM, breakdown="core20", breakdown_value="rest")
    assert intended["core20"]["share"] < intended["rest"]["share"]
    assert core20["denominator"] > 300 and rest["denominator"] > 1000
    assert core20["upper_95"] < rest["lower_95"], (core20.to_dict(), rest.to_dict())
    for got, name in ((core20, "core20"), (rest, "rest")):
        assert got["lower_998"] <= 100 * intended[name]["share"] <= got["upper_998"], (name, got.to_dict())


def test_smi_checks_join_core20plus5_with_core20_worse(built):
    """GIVEN the registry declares smi_health_checks_all6 a Core20PLUS5 measure (area severe_mental_illness)
    WHEN marts.core20plus5 is read for April's system core20_vs_rest row
    THEN it holds the same Core20 and rest counts as measure_values' core20 breakdown, and Core20 is judged worse."""
    values = built.values("smi_health_checks_all6")
    core20 = row(values, APRIL, SYSTEM, breakdown="core20", breakdown_value="core20")
    rest = row(values, APRIL, SYSTEM, breakdown="core20", breakdown_value="rest")
    mart = built.query("select * from marts.core20plus5 where measure_id = 'smi_health_checks_all6' "
                       "and comparison = 'core20_vs_rest' and area_type = 'system' and ethnic_group = 'all' "
                       f"and period_start = date '{APRIL.date()}'")
    assert len(mart) == 1, mart
    got = mart.iloc[0]
    assert got["core20plus5_area"] == "severe_mental_illness"
    assert (got["focus_numerator"], got["focus_denominator"]) == (core20["numerator"], core20["denominator"])
    assert (got["comparator_numerator"], got["comparator_denominator"]) == (rest["numerator"], rest["denominator"])
    assert got["focus_compared"] == "worse", got.to_dict()


def test_no_free_text_comment_reaches_a_model_past_the_lake(built):
    """GIVEN every column a contract declares free text (the Healthwatch comments among them)
    WHEN the warehouse's staging, intermediate and mart relations are listed and the marts' and measure records'
    text is searched
    THEN no relation past the lake has a column of that name, and not one delivered comment appears in a mart or
    in the measure records (the lake keeps them, redacted)."""
    free_text = {c.name for contract in load_contracts(REPO / "contracts") for c in contract.columns
                 if c.free_text in ("redact", "drop")}
    assert "comment" in free_text
    columns = built.query("select table_schema, table_name, column_name from information_schema.columns "
                          "where table_schema in ('staging', 'intermediate', 'marts')")
    assert set(columns["table_schema"]) == {"staging", "intermediate", "marts"}
    assert columns[columns["column_name"].isin(free_text)].empty
    comments = pd.concat([read_feed(built.synth / hw / "feedback")["comment"].dropna()
                          for hw in ("HWHEREFS", "HWWORCS")])
    assert len(comments) > 100
    assert built.query("select count(*) as n from lake.hwherefs_feedback where comment is not null")["n"][0] > 0
    relations = columns[(columns["table_schema"] == "marts")
                        | columns["table_name"].str.startswith("int_measure_records")][["table_schema", "table_name"]]
    with duckdb.connect(str(built.settings.snapshot_path), read_only=True) as con:
        for schema, table in relations.drop_duplicates().itertuples(index=False):
            text = con.sql(f'select * from "{schema}"."{table}"').df().astype(str).to_numpy().ravel()
            found = set(text) & set(comments)
            assert not found, (schema, table, sorted(found)[:3])


def test_the_warehouse_keys_a_person_by_the_first_128_bits_of_the_pseudonym(built):
    """GIVEN a council's reablement episodes in the lake (person_id: the 64 hex digits of the keyed pseudonym)
    WHEN its staging model is read into pandas and Arrow
    THEN each episode's person_id there is a UUID of the same person's first 32 hex digits (macro person_key), an
    episode sent without an NHS Number has none, and the key reads back whole: no 128-bit value is cut or turned
    into a number."""
    pairs = built.query("""
        select lake.person_id as pseudonym, stg.person_id as person_key
        from lake.e06000019_reablement as lake
        inner join staging.stg_e06000019__reablement_episodes as stg using (episode_id)""")
    assert len(pairs) > 50 and pairs["pseudonym"].isna().any(), pairs
    assert pairs["person_key"].isna().equals(pairs["pseudonym"].isna())
    known = pairs.dropna()
    assert (known["pseudonym"].str.len() == 64).all()
    assert [str(key).replace("-", "") for key in known["person_key"]] == [p[:32] for p in known["pseudonym"]]
    with duckdb.connect(str(built.settings.snapshot_path), read_only=True) as con:
        arrow = con.sql("select person_id from staging.stg_e06000019__reablement_episodes "
                        "where person_id is not null").to_arrow_table()
    assert {key.replace("-", "") for key in arrow["person_id"].to_pylist()} == set(known["pseudonym"].str[:32])
