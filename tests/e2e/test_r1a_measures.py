"""End to end for the community trust's (R1A) community and mental health measures (issue 12, measures 1-4 and 10):
synthetic community, mental health (referrals, contacts, hospital spells) and helpline files plus the GP list ->
ingest -> dbt -> marts.measure_values, against values recomputed here with pandas straight from the delivered CSV
files (never through the project's SQL), and the generator's slower rural urgent responses (truth.json) coming
back out of the published rows with their Wilson limits.

Three months are delivered (April to June 2025, one GP list snapshot on 1 April): the urgent response, 28-day
first contact and 72-hour follow-up measures publish April and May (June's clock runs past the data); people in
contact and the helpline publish every month.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from config.contracts import contract_for_file
from stats.wilson import wilson_lower, wilson_upper
from synth import SynthConfig, generate

pytestmark = [pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
FEEDS = ["r1a_community", "r1a_mh_referrals", "r1a_mh_contacts", "r1a_mh_spells", "r1a_helpline", "qgh_gp_list"]
SYSTEM = "QGH"
MAY = pd.Period("2025-05", "M")
ATTENDED = ["5", "6"]
NOT_FOLLOWED = ["37", "38", "48", "49", "50", "51", "53", "79", "84", "87"]
MEASURES = ["ucr_2h", "mh_people_in_contact_per_100k", "mh_first_contact_28d", "mh_discharge_followup_72h",
            "mh_helpline_answered_60s"]


@dataclass
class Run:
    values: pd.DataFrame  # marts.measure_values of the five measures: system rows, and rurality for the UCR
    synth: Path
    truth: dict


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    """GIVEN three clean synthetic months (April-June 2025, 300,000 people) of the community trust's community,
    mental health and helpline files and the GP list, ingested, and the outcome marts built with dbt on a fresh
    warehouse."""
    from config.settings import get_settings
    from ingest.load import ingest_files
    from tests.conftest import TEST_KEY
    from transform.build import build

    synth = tmp_path_factory.mktemp("r1a_synth")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OUTCOMES_WORK_DIR", str(tmp_path_factory.mktemp("r1a_work")))
        mp.setenv("OUTCOMES_PSEUDONYM_KEY", TEST_KEY)
        mp.setenv("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", "1")
        settings = get_settings()
        report = generate(SynthConfig(out_dir=synth, population=300_000, months=3, start="2025-04", clean=True,
                                      seed=12, feeds=FEEDS, reference_dir=REPO / "reference"))
        outcomes = ingest_files(sorted(report.files), settings=settings)
        assert all(getattr(o, "status", None) == "loaded" for o in outcomes), outcomes
        build(select=["+path:models/marts/outcomes"], settings=settings)
        with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
            values = con.execute(
                "select * from marts.measure_values where measure_id in ? and area_type = 'system' "
                "and breakdown in ('all', 'rurality')", [MEASURES]).df()
    return Run(values=values, synth=synth, truth=json.loads(report.truth_path.read_text(encoding="utf-8")))


# ---- the delivered files, read with each contract's formats ----------------------------------------------------

@cache
def delivered(synth: Path, folder: str, timestamps: tuple[str, ...] = (), dates: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every row of the files under ``synth/folder`` as text, the named columns parsed with the contract's formats
    (read once per test run: callers filter, never modify)."""
    frames = []
    for path in sorted((synth / folder).glob("*.csv")):
        spec = contract_for_file(REPO / "contracts", path.name).file
        df = pd.read_csv(path, sep=spec.delimiter, dtype=str, keep_default_na=False)
        for col in timestamps:
            df[col] = pd.to_datetime(df[col], format=spec.timestamp_format)
        for col in dates:
            df[col] = pd.to_datetime(df[col].replace("", None), format=spec.date_format)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def completed_years(born: pd.Series, at: pd.Series) -> pd.Series:
    return at.dt.year - born.dt.year - ((at.dt.month * 100 + at.dt.day) < (born.dt.month * 100 + born.dt.day))


# ---- one value of each measure recomputed from the files (May 2025, the system) -------------------------------

def ucr_2h(synth: Path, month: pd.Period) -> tuple[int, int]:
    c = delivered(synth, "R1A/community", ("referral_received_datetime", "contact_datetime"))
    first = (c[(c["team_type"] == "UCR") & (c["first_contact"] == "Y") & c["attendance_status"].isin(ATTENDED)]
             .sort_values(["contact_datetime", "contact_id"]).drop_duplicates("referral_id"))
    first = first[first["referral_received_datetime"].dt.to_period("M") == month]
    seconds = (first["contact_datetime"] - first["referral_received_datetime"]).dt.total_seconds()
    return int((seconds <= 7200).sum()), len(first)


def mh_people_in_contact(synth: Path, month: pd.Period) -> tuple[int, int]:
    gp = delivered(synth, "QGH/gp_list", dates=("snapshot_date",))
    snapshot = gp.loc[gp["snapshot_date"] <= month.end_time, "snapshot_date"].max()
    register = set(gp.loc[gp["snapshot_date"] == snapshot, "nhs_number"])
    c = delivered(synth, "R1A/mh_contacts", ("contact_datetime",))
    seen = c[(c["contact_datetime"].dt.to_period("M") == month) & c["attendance_status"].isin(ATTENDED)]
    return len(set(seen["nhs_number"]) & register), len(register)


def mh_first_contact_28d(synth: Path, month: pd.Period) -> tuple[int, int]:
    r = delivered(synth, "R1A/mh_referrals", dates=("referral_received_date",))
    r = r[r["referral_received_date"].dt.to_period("M") == month]
    c = delivered(synth, "R1A/mh_contacts", ("contact_datetime",))
    pairs = r.merge(c[c["attendance_status"].isin(ATTENDED)], on="referral_id")
    days = (pairs["contact_datetime"].dt.normalize() - pairs["referral_received_date"]).dt.days
    return pairs.loc[days.between(0, 28), "referral_id"].nunique(), len(r)


def mh_discharge_followup_72h(synth: Path, month: pd.Period) -> tuple[int, int]:
    s = delivered(synth, "R1A/mh_spells", ("admission_datetime", "discharge_datetime"), ("date_of_birth",))
    adult = completed_years(s["date_of_birth"], s["discharge_datetime"]) >= 18
    s = s[(s["discharge_datetime"].dt.to_period("M") == month) & s["ward_type"].isin(["03", "05", "06"]) & adult
          & ~s["discharge_destination"].isin(NOT_FOLLOWED)]
    c = delivered(synth, "R1A/mh_contacts", ("contact_datetime",))
    pairs = s.merge(c[c["attendance_status"].isin(ATTENDED)], on="nhs_number")
    after = pairs["contact_datetime"] - pairs["discharge_datetime"]
    followed = pairs.loc[(after >= pd.Timedelta(0)) & (after <= pd.Timedelta(hours=72)), "hospital_spell_id"]
    return followed.nunique(), len(s)


def mh_helpline_answered_60s(synth: Path, month: pd.Period) -> tuple[int, int]:
    calls = delivered(synth, "R1A/helpline", ("call_datetime",))
    calls = calls[calls["call_datetime"].dt.to_period("M") == month]
    return int((calls["wait_seconds"].astype(int) <= 60).sum()), len(calls)


RECOMPUTE = {"ucr_2h": ucr_2h, "mh_people_in_contact_per_100k": mh_people_in_contact,
             "mh_first_contact_28d": mh_first_contact_28d, "mh_discharge_followup_72h": mh_discharge_followup_72h,
             "mh_helpline_answered_60s": mh_helpline_answered_60s}


# ---- the tests --------------------------------------------------------------------------------------------------

def _system(values: pd.DataFrame) -> pd.DataFrame:
    system = values[values["breakdown"] == "all"]
    return system.assign(month=pd.to_datetime(system["period_start"]).dt.to_period("M"))


def test_published_months_and_may_values_equal_the_values_recomputed_from_the_files(run):
    """WHEN one value of each measure (May 2025, the system) is recomputed from the delivered CSV rows with pandas
    THEN the published months are the expected ones (the clocked measures April and May, the others every
    month) and May's numerator, denominator and value equal marts.measure_values (a rate per 100,000 for people
    in contact, else a percentage)."""
    system = _system(run.values)
    months = system.groupby("measure_id")["month"].agg(lambda m: sorted(p.strftime("%m") for p in m)).to_dict()
    assert months == {"ucr_2h": ["04", "05"], "mh_first_contact_28d": ["04", "05"],
                      "mh_discharge_followup_72h": ["04", "05"], "mh_people_in_contact_per_100k": ["04", "05", "06"],
                      "mh_helpline_answered_60s": ["04", "05", "06"]}
    for measure, recompute in RECOMPUTE.items():
        numerator, denominator = recompute(run.synth, MAY)
        row = system[(system["measure_id"] == measure) & (system["month"] == MAY)].iloc[0]
        scale = 100_000 if measure == "mh_people_in_contact_per_100k" else 100
        assert (row["numerator"], row["denominator"]) == (numerator, denominator), measure
        assert row["value"] == pytest.approx(scale * numerator / denominator, rel=1e-12), measure
        assert 0 < numerator < denominator, measure  # a real value: neither empty nor everything


def test_rural_urgent_responses_are_slower_beyond_the_wilson_limits(run):
    """GIVEN the generator's slower rural urgent responses (truth.json: about 59% of rural and 78% of urban UCR
    referrals reached within 2 hours)
    WHEN the published rural and urban rows of ucr_2h are pooled over the published months
    THEN their 95% Wilson intervals do not overlap (rural below urban), each month's rural value is below its
    urban value, and each intended share lies inside the pooled 99.8% limits of its group; the limits are the
    ones the mart publishes (each month's lower_95 and upper_95 are the same Wilson limits of its counts)."""
    intended = run.truth["effects"]["ucr_2h"]["intended_share_within_120_minutes"]
    assert intended["rural"] < intended["urban"]
    rural = run.values[(run.values["measure_id"] == "ucr_2h") & (run.values["breakdown"] == "rurality")]
    by_month = rural.pivot(index="period_start", columns="breakdown_value", values="value")
    assert len(by_month) == 2 and (by_month["rural"] < by_month["urban"]).all(), by_month
    monthly = rural.set_index(["period_start", "breakdown_value"])
    published = limits_by_group(monthly, 0.95)
    for key, row in monthly.iterrows():
        assert (row["lower_95"], row["upper_95"]) == pytest.approx(tuple(100 * v for v in published[key])), key
    pooled = rural.groupby("breakdown_value")[["numerator", "denominator"]].sum().loc[["rural", "urban"]]
    limits = {c: limits_by_group(pooled, c) for c in (0.95, 0.998)}
    assert limits[0.95]["rural"][1] < limits[0.95]["urban"][0], (pooled, limits)
    for group in ("rural", "urban"):
        low, high = limits[0.998][group]
        assert low <= intended[group] <= high, (group, pooled, intended)


def limits_by_group(counts: pd.DataFrame, confidence: float) -> dict:
    """Wilson score limits (the project's stats.wilson, as the marts compute them) of each row's proportion."""
    x, n = counts["numerator"].to_numpy(), counts["denominator"].to_numpy()
    low, high = wilson_lower(x, n, confidence), wilson_upper(x, n, confidence)
    return {group: (low[i], high[i]) for i, group in enumerate(counts.index)}
