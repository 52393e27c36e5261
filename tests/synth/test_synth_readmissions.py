"""Emergency readmissions within 30 days, recomputed from the delivered files with pandas (not the generator's
internals) by the definition the marts use (issue 11, measure 6), against the intended rates in truth.json.

Tolerances come from the sample size: an observed share must lie within Z standard errors of the intended one
(binomial standard error sqrt(p(1 - p) / n)); Z = 3.29 is the two-sided 99.9% point, so a dozen comparisons
together would fail about 1% of the time by chance if the generator were right and the draws were independent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, SMALL, feed_files

from synth import SynthConfig, generate
from synth.geography import load_geography

Z = 3.29
APC = ["rwp_apc", "rlq_apc"]
AGE_BANDS = [(0, 17, "0-17"), (18, 44, "18-44"), (45, 64, "45-64"), (65, 79, "65-79"), (80, 200, "80+")]
CANCER = r"C([0-8][0-9]|9[0-7])"  # C00-C97


def _spells(report, contracts, read) -> pd.DataFrame:
    """Every spell of both trusts, dates parsed with each contract's format, with its trust and file."""
    frames = []
    for feed in APC:
        c = contracts[feed]
        for path in feed_files(report, c):
            df = read(path, c)
            for col in ("admission_date", "discharge_date", "date_of_birth"):
                df[col] = pd.to_datetime(df[col], format=c.file.date_format)
            frames.append(df.assign(trust=c.organisation, file=path.name))
    return pd.concat(frames, ignore_index=True)


def _excluded(spells: pd.DataFrame) -> pd.Series:
    return spells["primary_diagnosis"].str.match(CANCER) | (spells["treatment_function_code"] == "501")


def readmissions(spells: pd.DataFrame, data_end: pd.Timestamp) -> pd.DataFrame:
    """Index spells (ordinary admissions discharged alive, not cancer, not obstetrics) whose 30 days of follow-up
    lie before ``data_end``, each with whether an emergency admission (method 21-28, not cancer, not obstetrics,
    either trust) follows 0-29 days after the discharge date, and the trust of the first one."""
    index = spells[(spells["patient_classification"] == "1") & (spells["discharge_destination"] != "79")
                   & ~_excluded(spells)]
    index = index[index["discharge_date"] + pd.Timedelta(days=29) < data_end]
    emergency = spells[spells["admission_method"].isin([str(m) for m in range(21, 29)]) & ~_excluded(spells)]
    pairs = index[["spell_id", "nhs_number", "discharge_date"]].merge(
        emergency[["spell_id", "nhs_number", "admission_date", "trust", "file"]], on="nhs_number",
        suffixes=("", "_next"))
    days = (pairs["admission_date"] - pairs["discharge_date"]).dt.days
    pairs = pairs[(pairs["spell_id_next"] != pairs["spell_id"]) & days.between(0, 29)]
    first = pairs.sort_values(["spell_id", "admission_date", "spell_id_next"]).drop_duplicates("spell_id")
    first = first.set_index("spell_id")
    out = index.set_index("spell_id")
    out["readmitted"] = out.index.isin(first.index)
    out["next_trust"] = first["trust"].reindex(out.index)
    out["next_admission"] = first["admission_date"].reindex(out.index)
    out["next_file"] = first["file"].reindex(out.index)
    age = (out["admission_date"].dt.year - out["date_of_birth"].dt.year
           - ((out["admission_date"].dt.month * 100 + out["admission_date"].dt.day)
              < (out["date_of_birth"].dt.month * 100 + out["date_of_birth"].dt.day)))
    out["age_band"] = pd.cut(age, [lo - 1 for lo, _, _ in AGE_BANDS] + [200], labels=[b for _, _, b in AGE_BANDS])
    quintile = load_geography(ROOT / "reference").lsoas.set_index("lsoa_code")["imd_quintile"]
    out["imd_quintile"] = out["lsoa_code"].map(quintile).astype("Int64").astype(str)
    return out


def _data_end(truth) -> pd.Timestamp:
    config = truth["config"]
    return pd.Timestamp(config["start"] + "-01") + pd.DateOffset(months=config["months"])


@pytest.fixture(scope="module")
def observed(acute_run, contracts, read) -> pd.DataFrame:
    """The readmission measure over the registered population, whose rates truth.json intends. Wye Valley's
    residents of Wales (W01 LSOAs) are a population of their own (synth.border): their readmissions at the other
    trust stand for a Welsh hospital, outside the files, so they are left out here."""
    report, truth = acute_run
    spells = _spells(report, contracts, read)
    return readmissions(spells[~spells["lsoa_code"].str.startswith("W")], _data_end(truth))


def _within(observed: pd.Series, intended: float, label: str) -> None:
    n = len(observed)
    se = np.sqrt(intended * (1 - intended) / n)
    assert abs(observed.mean() - intended) <= Z * se, (label, round(observed.mean(), 4), intended, n, round(se, 4))


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_overall_readmission_rate_is_the_intended_one(acute_run, observed):
    """GIVEN six months of clean acute feeds and the intended rates in truth.json
    WHEN index discharges and their emergency readmissions within 0-29 days are found in the APC files
    THEN the files hold exactly the index discharges the generator decided, the intended rate is about 14%, and
    the observed rate lies within Z binomial standard errors of it."""
    _, truth = acute_run
    intended = truth["effects"]["emergency_readmission_30d"]["intended"]["overall"]
    assert len(observed) == intended["index_discharges"] > 10_000
    assert 0.12 <= intended["rate"] <= 0.16
    _within(observed["readmitted"], intended["rate"], "overall")


def test_rate_by_age_band_and_deprivation_is_the_intended_one(acute_run, observed):
    """GIVEN the same files
    WHEN the readmission rate is computed per published age band and per IMD quintile
    THEN each lies within Z binomial standard errors of its intended rate in truth.json."""
    _, truth = acute_run
    intended = truth["effects"]["emergency_readmission_30d"]["intended"]
    for band, group in observed.groupby("age_band", observed=True)["readmitted"]:
        assert len(group) == intended["by_age_band"][band]["index_discharges"]
        _within(group, intended["by_age_band"][band]["rate"], band)
    for q in "12345":
        group = observed.loc[observed["imd_quintile"] == q, "readmitted"]
        assert len(group) == intended["by_imd_quintile"][q]["index_discharges"]
        _within(group, intended["by_imd_quintile"][q]["rate"], f"quintile {q}")


def test_older_and_more_deprived_people_are_readmitted_more(observed):
    """GIVEN the same files
    WHEN 95% Wilson intervals of the readmission rate are compared
    THEN people aged 80+ lie above people aged 18-44, and IMD quintile 1 (most deprived) above quintile 5, with
    intervals that do not overlap."""

    def interval(mask) -> tuple[float, float]:
        return wilson(int(observed.loc[mask, "readmitted"].sum()), int(mask.sum()))

    old, young = interval(observed["age_band"] == "80+"), interval(observed["age_band"] == "18-44")
    assert old[0] > young[1], (old, young)
    deprived, affluent = interval(observed["imd_quintile"] == "1"), interval(observed["imd_quintile"] == "5")
    assert deprived[0] > affluent[1], (deprived, affluent)


def test_one_readmission_in_ten_is_at_the_other_trust(acute_run, observed):
    """GIVEN the readmitted index discharges of the same files
    WHEN the trust of each first readmission is compared with the trust of the discharge
    THEN the share at the other trust lies within Z binomial standard errors of the intended share."""
    _, truth = acute_run
    share = truth["effects"]["emergency_readmission_30d"]["intended"]["other_trust_share"]
    readmitted = observed[observed["readmitted"]]
    assert share == 0.10 and len(readmitted) > 1000
    _within(readmitted["next_trust"] != readmitted["trust"], share, "other trust")


def test_readmissions_cross_month_boundaries_into_the_next_file(observed):
    """GIVEN the same files
    WHEN index discharges of one month are followed by a readmission admitted in the next month
    THEN there are many, and each such readmission is delivered in the file of its own admission month."""
    later = observed[observed["readmitted"] & (observed["next_admission"].dt.to_period("M")
                                               > observed["discharge_date"].dt.to_period("M"))]
    assert len(later) > 200
    month = later["next_admission"].dt.strftime("%Y%m")
    assert (later["next_file"].str.replace("-", "").str.extract(r"(\d{6})")[0] == month).all()


def test_stays_do_not_overlap_and_emergency_admissions_have_their_attendance(acute_run, contracts, read):
    """GIVEN every spell of both trusts and every emergency care attendance
    WHEN one person's spells are put in admission order, and A&E admissions (method 21) are looked up
    THEN no spell is admitted before the person's previous spell was discharged, and every method 21 spell at
    either trust matches an attendance of the same person at the same site departing on its admission date."""
    report, _ = acute_run
    spells = _spells(report, contracts, read)
    ordered = spells.sort_values(["nhs_number", "admission_date", "discharge_date"])
    previous_end = ordered.groupby("nhs_number")["discharge_date"].shift()
    assert not (ordered["admission_date"] < previous_end).any()
    attendances = []
    for feed in ("rwp_ecds", "rlq_ecds"):
        c = contracts[feed]
        for path in feed_files(report, c):
            df = read(path, c)
            attendances.append(df.assign(departed=pd.to_datetime(df["departure_datetime"],
                                                                  format=c.file.timestamp_format).dt.normalize()))
    departed = set(pd.concat(attendances)[["nhs_number", "site_code", "departed"]].itertuples(index=False))
    via_ae = spells[spells["admission_method"] == "21"]
    assert len(via_ae) > 5000
    assert all(row in departed for row in via_ae[["nhs_number", "site_code", "admission_date"]].itertuples(
        index=False))


def test_acute_files_do_not_depend_on_the_feeds_selected(clean_run, contracts, tmp_path):
    """GIVEN the clean run of every feed
    WHEN the RLQ admitted patient care feed is generated alone with the same settings
    THEN its files are byte for byte the same (readmissions are drawn from their own seeded streams)."""
    report, _ = clean_run
    alone = generate(SynthConfig(out_dir=tmp_path, clean=True, feeds=["rlq_apc"], **SMALL))
    c = contracts["rlq_apc"]
    together = {p.name: p.read_bytes() for p in feed_files(report, c)}
    assert together and together == {p.name: p.read_bytes() for p in feed_files(alone, c)}


def test_a_small_run_where_a_month_draws_no_readmission_attendance_still_generates(tmp_path):
    """GIVEN a small population and one Wye Valley feed, seeded so that a month draws no readmission attendance
    WHEN the extracts are generated THEN every month's file is written (no 'No objects to concatenate')."""
    from synth import SynthConfig, generate

    report = generate(SynthConfig(out_dir=tmp_path, population=20_000, months=3, start="2025-04", clean=True,
                                  seed=11, feeds=["rlq_ecds"]))
    assert len([p for p in report.files if p.name.startswith("WVT_ECDS_")]) == 3
