"""End to end for the planned-care measures: synthetic RTT waiting lists and outpatient appointments of both acute
trusts, and the GP list -> ingest -> dbt build -> marts.measure_values and marts.rtt_waits_by_treatment_function.

The expected values are computed here, independently, with pandas straight from the synthetic CSV files (each read
with the delimiter and date formats its contract declares), not through the project's SQL, and compared with the
warehouse: every RTT and outpatient measure, for the system, each organisation and each site, in every month.
The publication is not run here: tests/publish/ covers how count-valued measures (the long waits) are published
under their disclosure profile.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from config.contracts import contract_for_file
from config.settings import Settings, get_settings
from synth import SynthConfig, generate
from tests.conftest import TEST_KEY

pytestmark = [pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
FEEDS = ["qgh_gp_list", "rwp_rtt", "rlq_rtt", "rwp_outpatients", "rlq_outpatients"]
ORGANISATIONS = ("RWP", "RLQ")
RTT_THRESHOLDS = {  # measure id -> is the pathway in the numerator, given its days waited
    "rtt_within_18_weeks": lambda days: days <= 126,
    "rtt_over_52_weeks": lambda days: days >= 365,
    "rtt_over_65_weeks": lambda days: days >= 456,
    "rtt_over_78_weeks": lambda days: days >= 547,
}
AREAS = ("site_code", "organisation_code", "system")


@dataclass
class Built:
    synth: Path
    settings: Settings

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.settings.snapshot_path), read_only=True) as con:
            return con.sql(sql).df()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Iterator[Built]:
    """GIVEN two clean synthetic months (April and May 2025) of both trusts' weekly RTT snapshots and monthly
    outpatient appointments, and the GP register, for 8,000 people, ingested; WHEN the warehouse is built."""
    from ingest.load import ingest_files
    from transform.build import build

    synth = tmp_path_factory.mktemp("synth")
    generate(SynthConfig(out_dir=synth, population=8_000, months=2, start="2025-04", clean=True, seed=11,
                         feeds=FEEDS, reference_dir=REPO / "reference"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OUTCOMES_WORK_DIR", str(tmp_path_factory.mktemp("work")))
        mp.setenv("OUTCOMES_PSEUDONYM_KEY", TEST_KEY)
        mp.setenv("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", "1")
        settings = get_settings()
        outcomes = ingest_files(sorted(synth.rglob("*.csv")), settings=settings)
        assert all(getattr(o, "status", None) == "loaded" and o.rows_rejected == 0 for o in outcomes), outcomes
        build(settings=settings)
        yield Built(synth=synth, settings=settings)


def read_delivered(path: Path, dates: list[str], timestamps: list[str]) -> pd.DataFrame:
    """A delivered file as its sender wrote it (delimiter, date and timestamp formats as its contract declares)."""
    file_spec = contract_for_file(REPO / "contracts", path.name).file
    rows = pd.read_csv(path, dtype=str, sep=file_spec.delimiter)
    for column in dates:
        rows[column] = pd.to_datetime(rows[column], format=file_spec.date_format)
    for column in timestamps:
        rows[column] = pd.to_datetime(rows[column], format=file_spec.timestamp_format)
    return rows


def read_feed(synth: Path, organisation: str, feed: str, dates: list[str], timestamps: list[str]) -> pd.DataFrame:
    """Every delivered row of one trust's feed (the generator writes it under <organisation>/<feed>/)."""
    files = sorted((synth / organisation / feed).glob("*.csv"))
    rows = pd.concat([read_delivered(f, dates, timestamps) for f in files], ignore_index=True)
    rows["organisation_code"] = organisation
    rows["system"] = "QGH"
    return rows


def census_pathways(synth: Path) -> pd.DataFrame:
    """The incomplete pathways on each trust's month census (its last snapshot dated in the month), with days
    waited = census date minus clock start date."""
    snapshots = pd.concat([read_feed(synth, org, "rtt", ["snapshot_date", "clock_start_date"], [])
                           for org in ORGANISATIONS], ignore_index=True)
    snapshots["month"] = snapshots["snapshot_date"].dt.to_period("M").dt.start_time
    census = snapshots.groupby(["organisation_code", "month"])["snapshot_date"].transform("max")
    pathways = snapshots[snapshots["snapshot_date"] == census].copy()
    pathways["days"] = (pathways["snapshot_date"] - pathways["clock_start_date"]).dt.days
    return pathways


def appointments(synth: Path) -> pd.DataFrame:
    rows = pd.concat([read_feed(synth, org, "outpatients", [], ["appointment_datetime"]) for org in ORGANISATIONS],
                     ignore_index=True)
    rows["month"] = rows["appointment_datetime"].dt.to_period("M").dt.start_time
    return rows


def proportion(rows: pd.DataFrame, numerator: pd.Series, area: str) -> pd.DataFrame:
    """numerator, denominator and value (percent) per month and area code."""
    frame = rows.assign(numerator=numerator.astype(int), area_code=rows[area])
    out = frame.groupby(["month", "area_code"]).agg(numerator=("numerator", "sum"),
                                                    denominator=("numerator", "size"))
    out["value"] = 100 * out["numerator"] / out["denominator"]
    return out


def expected_values(synth: Path) -> dict[str, dict[str, pd.DataFrame]]:
    """measure id -> area column -> expected numerator, denominator and value by (month, area code)."""
    pathways = census_pathways(synth)
    appts = appointments(synth)
    status = appts["attendance_status"]
    outcome = appts[status.isin(["3", "5", "6", "7"])]
    attended = appts[status.isin(["5", "6"])]
    expected = {}
    for area in AREAS:
        for measure_id, within in RTT_THRESHOLDS.items():
            values = proportion(pathways, within(pathways["days"]), area)
            if measure_id != "rtt_within_18_weeks":  # a count: the value is the numerator
                values["value"] = values["numerator"].astype(float)
            expected.setdefault(measure_id, {})[area] = values
        expected.setdefault("op_dna_rate", {})[area] = proportion(outcome, outcome["attendance_status"] == "3", area)
        expected.setdefault("op_remote_share", {})[area] = proportion(
            attended, attended["consultation_medium"].isin(["02", "03"]), area)
    return expected


def test_every_planned_care_value_equals_the_value_computed_from_the_files(built):
    """THEN for every RTT and outpatient measure, every month and every system, organisation and site, the 'all'
    row of marts.measure_values has the numerator, denominator and value computed here from the CSV files."""
    got = built.query("""
        select measure_id, period_start as month, area_type, area_code, numerator, denominator, value
        from marts.measure_values
        where breakdown = 'all' and area_type in ('system', 'organisation', 'site')
            and (measure_id like 'rtt_%' or measure_id like 'op_%')
    """)
    got["month"] = pd.to_datetime(got["month"])
    area_type = {"site_code": "site", "organisation_code": "organisation", "system": "system"}
    checked = 0
    for measure_id, by_area in expected_values(built.synth).items():
        for area, expected in by_area.items():
            mine = got[(got["measure_id"] == measure_id) & (got["area_type"] == area_type[area])]
            mine = mine.set_index(["month", "area_code"]).sort_index()
            assert list(mine.index) == list(expected.index), (measure_id, area)
            assert (mine["numerator"] == expected["numerator"]).all(), (measure_id, area)
            assert (mine["denominator"] == expected["denominator"]).all(), (measure_id, area)
            assert mine["value"].to_numpy() == pytest.approx(expected["value"].to_numpy(), rel=1e-12)
            checked += len(expected)
    # 6 measures x 2 months x (system + 2 organisations + 4 sites)
    assert checked == 6 * 2 * 7


def test_a_spot_value_of_each_measure_in_words(built):
    """THEN, spelled out for one cell each (the system in April 2025): the share of the waiting list within 18
    weeks, the counts over 52, 65 and 78 weeks, the DNA rate and the remote share, as computed from the files."""
    expected = expected_values(built.synth)
    april = pd.Timestamp("2025-04-01")
    got = built.query("""
        select measure_id, numerator, denominator, value, target, meets_target, unit
        from marts.measure_values
        where area_type = 'system' and breakdown = 'all' and period_start = date '2025-04-01'
    """).set_index("measure_id")
    for measure_id in [*RTT_THRESHOLDS, "op_dna_rate", "op_remote_share"]:
        exp = expected[measure_id]["system"].loc[(april, "QGH")]
        assert got.loc[measure_id, "value"] == pytest.approx(exp["value"]), measure_id
    # the long waits nest, and the 18-week share is judged against its 92% target
    assert got.loc["rtt_over_52_weeks", "value"] >= got.loc["rtt_over_65_weeks", "value"] \
        >= got.loc["rtt_over_78_weeks", "value"] > 0
    assert got.loc["rtt_within_18_weeks", "meets_target"] == (got.loc["rtt_within_18_weeks", "value"] >= 92)
    assert got.loc["rtt_over_52_weeks", "unit"] == "count" and got.loc["op_dna_rate", "unit"] == "percent"


def test_rtt_by_treatment_function_equals_the_files(built):
    """THEN marts.rtt_waits_by_treatment_function holds, for the system in every month and treatment function,
    the numerator and denominator computed from the files; its functions add up to the measure's system value."""
    pathways = census_pathways(built.synth)
    got = built.query("""
        select measure_id, period_start as month, treatment_function_code, numerator, denominator
        from marts.rtt_waits_by_treatment_function
        where area_type = 'system'
    """)
    got["month"] = pd.to_datetime(got["month"])
    for measure_id, within in RTT_THRESHOLDS.items():
        frame = pathways.assign(numerator=within(pathways["days"]).astype(int))
        expected = frame.groupby(["month", "treatment_function_code"]).agg(
            numerator=("numerator", "sum"), denominator=("numerator", "size")).sort_index()
        mine = got[got["measure_id"] == measure_id].set_index(["month", "treatment_function_code"]).sort_index()
        assert list(mine.index) == list(expected.index), measure_id
        assert (mine["numerator"] == expected["numerator"]).all(), measure_id
        assert (mine["denominator"] == expected["denominator"]).all(), measure_id
