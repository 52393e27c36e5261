"""End to end for the admitted patient care measures (issue 11, measures 6-9): synthetic APC files of both acute
trusts and the GP list -> ingest -> dbt -> marts.measure_values, against values recomputed here with pandas
straight from the delivered CSV files (never through the project's SQL), and the synthetic readmission effect
recorded in truth.json coming back out of the published rows.

Three months are delivered (April to June 2025), so the readmission measures publish April and May (June's 30-day
follow-up passes the end of the data) and the length of stay and 21-day census measures publish June only (the
first month with two delivered months before it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from config.contracts import contract_for_file
from synth import SynthConfig, generate

pytestmark = [pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
FEEDS = ["rwp_apc", "rlq_apc", "qgh_gp_list"]
CANCER = r"C([0-8][0-9]|9[0-7])"  # C00-C97
EMERGENCY = [str(m) for m in range(21, 29)]
SYSTEM = "QGH"


@dataclass
class Run:
    values: pd.DataFrame  # marts.measure_values, breakdown 'all', system and organisation rows
    spells: pd.DataFrame  # every delivered spell of both trusts, parsed here from the CSV files
    truth: dict


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    """GIVEN three clean synthetic months (April-June 2025, 200,000 people) of both trusts' APC files and the GP
    list, ingested, and the outcome marts built with dbt on a fresh warehouse."""
    from config.settings import get_settings
    from ingest.load import ingest_files
    from tests.conftest import TEST_KEY
    from transform.build import build

    synth = tmp_path_factory.mktemp("apc_synth")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OUTCOMES_WORK_DIR", str(tmp_path_factory.mktemp("apc_work")))
        mp.setenv("OUTCOMES_PSEUDONYM_KEY", TEST_KEY)
        mp.setenv("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", "1")
        settings = get_settings()
        report = generate(SynthConfig(out_dir=synth, population=200_000, months=3, start="2025-04", clean=True,
                                      seed=11, feeds=FEEDS, reference_dir=REPO / "reference"))
        outcomes = ingest_files(sorted(report.files), settings=settings)
        assert all(getattr(o, "status", None) == "loaded" for o in outcomes), outcomes
        build(select=["+path:models/marts/outcomes"], settings=settings)
        with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
            values = con.sql("select * from marts.measure_values where breakdown = 'all' "
                             "and area_type in ('system', 'organisation')").df()
    return Run(values=values, spells=delivered_spells(synth),
               truth=json.loads(report.truth_path.read_text(encoding="utf-8")))


# ---- the measures recomputed from the CSV files -------------------------------------------------------------

def delivered_spells(synth: Path) -> pd.DataFrame:
    """Every spell in both trusts' files, dates parsed with each contract's format, with its trust and age at
    admission (whole years, from the date of birth)."""
    frames = []
    for trust, folder in (("RWP", synth / "RWP" / "apc"), ("RLQ", synth / "RLQ" / "apc")):
        for path in sorted(folder.glob("*.csv")):
            file_spec = contract_for_file(REPO / "contracts", path.name).file
            df = pd.read_csv(path, sep=file_spec.delimiter, dtype=str, keep_default_na=False)
            for col in ("admission_date", "discharge_date", "date_of_birth"):
                df[col] = pd.to_datetime(df[col].replace("", None), format=file_spec.date_format)
            frames.append(df.assign(trust=trust))
    spells = pd.concat(frames, ignore_index=True)
    admitted, born = spells["admission_date"], spells["date_of_birth"]
    spells["age"] = (admitted.dt.year - born.dt.year
                     - ((admitted.dt.month * 100 + admitted.dt.day) < (born.dt.month * 100 + born.dt.day)))
    spells["month"] = spells["discharge_date"].dt.to_period("M")
    return spells


def delivered_months(spells: pd.DataFrame) -> set[pd.Period]:
    """Months both trusts' files hold admissions in."""
    by_trust = spells.groupby("trust")["admission_date"].agg(lambda d: set(d.dt.to_period("M")))
    return set.intersection(*by_trust.tolist())


def follow_up_inside(month: pd.Period, delivered: set[pd.Period]) -> bool:
    last = (month.end_time.normalize() + pd.Timedelta(days=29)).to_period("M")
    return all(m in delivered for m in pd.period_range(month, last, freq="M"))


def history_inside(month: pd.Period, delivered: set[pd.Period]) -> bool:
    return all(month - k in delivered for k in range(3))


def _excluded(spells: pd.DataFrame) -> pd.Series:
    return spells["primary_diagnosis"].str.match(CANCER) | (spells["treatment_function_code"] == "501")


def index_spells(spells: pd.DataFrame) -> pd.DataFrame:
    """Index spells with ``readmitted`` and ``other_trust`` (the first readmission: earliest admitted, the
    discharging trust first on the same day)."""
    index = spells[(spells["patient_classification"] == "1") & spells["discharge_date"].notna()
                   & (spells["discharge_destination"] != "79") & ~_excluded(spells)].copy()
    emergency = spells[spells["admission_method"].isin(EMERGENCY) & ~_excluded(spells)
                       & (spells["nhs_number"] != "")]
    pairs = index[["trust", "spell_id", "nhs_number", "discharge_date"]].merge(
        emergency[["trust", "spell_id", "nhs_number", "admission_date"]], on="nhs_number", suffixes=("", "_next"))
    days = (pairs["admission_date"] - pairs["discharge_date"]).dt.days
    another = (pairs["spell_id_next"] != pairs["spell_id"]) | (pairs["trust_next"] != pairs["trust"])
    pairs = pairs[another & days.between(0, 29)].assign(elsewhere=lambda p: p["trust_next"] != p["trust"])
    first = (pairs.sort_values(["admission_date", "elsewhere", "trust_next", "spell_id_next"])
             .drop_duplicates(["trust", "spell_id"]).set_index(["trust", "spell_id"]))
    keys = pd.MultiIndex.from_frame(index[["trust", "spell_id"]])
    index["readmitted"] = keys.isin(first.index)
    index["other_trust"] = first["elsewhere"].reindex(keys).fillna(False).to_numpy(dtype=bool)
    return index


def census(spells: pd.DataFrame, month: pd.Period) -> pd.DataFrame:
    """One row per patient and midnight of the month: aged 18+ at admission, admitted on or before the day minus
    21, discharged after the day or not yet; a person in two spells at once once (the earliest admitted)."""
    adults = spells[spells["age"] >= 18]
    rows = []
    for day in pd.date_range(month.start_time, month.end_time.normalize(), freq="D"):
        here = adults[(adults["admission_date"] <= day - pd.Timedelta(days=21))
                      & (adults["discharge_date"].isna() | (adults["discharge_date"] > day))]
        patient = here["nhs_number"].where(here["nhs_number"] != "", here["trust"] + "|" + here["spell_id"])
        rows.append(here.assign(patient=patient, day=day).sort_values(["admission_date", "trust", "spell_id"])
                    .drop_duplicates("patient"))
    return pd.concat(rows, ignore_index=True)


def expected_values(spells: pd.DataFrame) -> pd.DataFrame:
    """numerator, denominator and value of every measure, published month and area (system and organisations)."""
    delivered = delivered_months(spells)
    out = []

    def add(measure: str, month: pd.Period, frame: pd.DataFrame, value) -> None:
        for area, part in [(SYSTEM, frame), *frame.groupby("trust")]:
            numerator, denominator, val = value(part)
            out.append({"measure_id": measure, "period_start": month.start_time, "area_code": area,
                        "numerator": numerator, "denominator": denominator, "value": val})

    index = index_spells(spells)
    for month, group in index.groupby("month"):
        if follow_up_inside(month, delivered):
            add("emergency_readmission_30d", month, group,
                lambda g: (g["readmitted"].sum(), len(g), 100 * g["readmitted"].mean()))
            readmitted = group[group["readmitted"]]
            add("emergency_readmission_30d_other_trust", month, readmitted,
                lambda g: (g["other_trust"].sum(), len(g), 100 * g["other_trust"].mean()))
    emergency = spells[spells["admission_method"].isin(EMERGENCY) & spells["discharge_date"].notna()]
    emergency = emergency.assign(los=(emergency["discharge_date"] - emergency["admission_date"]).dt.days)
    for month, group in emergency.groupby("month"):
        if history_inside(month, delivered):
            add("emergency_los_mean_days", month, group, lambda g: (len(g), len(g), g["los"].mean()))
            add("emergency_los_median_days", month, group, lambda g: (len(g), len(g), g["los"].median()))
    for month in sorted(m for m in delivered if history_inside(m, delivered)):
        days = month.days_in_month
        add("adult_patients_in_hospital_21plus_days", month, census(spells, month),
            lambda g, days=days: (len(g), len(g) / days, len(g) / days))
    return pd.DataFrame(out).set_index(["measure_id", "period_start", "area_code"]).sort_index()


# ---- the tests ----------------------------------------------------------------------------------------------

MEASURES = ["emergency_readmission_30d", "emergency_readmission_30d_other_trust", "emergency_los_mean_days",
            "emergency_los_median_days", "adult_patients_in_hospital_21plus_days"]


def test_published_values_equal_the_values_recomputed_from_the_files(run):
    """WHEN every APC measure is recomputed from the delivered CSV rows with pandas
    THEN the published months are the expected ones (readmissions April and May, the others June), and for the
    system and each trust the numerator, denominator and value equal marts.measure_values."""
    expected = expected_values(run.spells)
    got = run.values[run.values["measure_id"].isin(MEASURES)].assign(
        period_start=lambda v: pd.to_datetime(v["period_start"])).set_index(
        ["measure_id", "period_start", "area_code"]).sort_index()
    months = got.reset_index().groupby("measure_id")["period_start"].agg(lambda p: sorted(set(p.dt.strftime("%m"))))
    assert months.to_dict() == {"emergency_readmission_30d": ["04", "05"],
                                "emergency_readmission_30d_other_trust": ["04", "05"],
                                "emergency_los_mean_days": ["06"], "emergency_los_median_days": ["06"],
                                "adult_patients_in_hospital_21plus_days": ["06"]}
    assert sorted(got.index) == sorted(expected.index)
    for key, exp in expected.iterrows():
        row = got.loc[key]
        assert (row["numerator"], row["denominator"]) == pytest.approx(
            (exp["numerator"], exp["denominator"]), rel=1e-12), key
        assert row["value"] == pytest.approx(exp["value"], rel=1e-12), key
    # one spot value in words: June's mean midnight count of adults in hospital 21 days or more, whole system
    june = expected.loc[("adult_patients_in_hospital_21plus_days", pd.Timestamp("2025-06-01"), SYSTEM)]
    assert june["value"] > 1 and june["numerator"] == got.loc[june.name, "numerator"]


def test_the_synthetic_readmission_effect_comes_back_out(run):
    """GIVEN the intended readmission rate recorded in truth.json (about 14% of index discharges, one in ten
    readmissions at the other trust)
    WHEN the system rows of the published months are read
    THEN the rate over them is about 14%, each month's 95% limits contain the intended rate, and each month's
    share of readmissions at the other trust has 95% limits containing the intended 10%."""
    intended = run.truth["effects"]["emergency_readmission_30d"]["intended"]
    rate, share = intended["overall"]["rate"], intended["other_trust_share"]
    system = run.values[run.values["area_type"] == "system"].set_index("measure_id")
    readmissions = system.loc[["emergency_readmission_30d"]]
    overall = readmissions["numerator"].sum() / readmissions["denominator"].sum()
    assert 0.12 <= rate <= 0.16 and 0.12 <= overall <= 0.16, (rate, overall)
    assert readmissions["denominator"].min() > 1000
    for _, row in readmissions.iterrows():
        assert row["lower_95"] <= 100 * rate <= row["upper_95"], (row["period_start"], row["value"], rate)
    for _, row in system.loc[["emergency_readmission_30d_other_trust"]].iterrows():
        assert row["lower_95"] <= 100 * share <= row["upper_95"], (row["period_start"], row["value"], share)
