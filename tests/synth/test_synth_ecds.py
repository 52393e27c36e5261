"""Emergency care feeds: determinism, the 4-hour pattern by site, the deprivation gradient, the calendar."""

from __future__ import annotations

import pandas as pd
from conftest import ROOT, feed_files

from synth import SynthConfig, generate
from synth.geography import load_geography


def _files_bytes(report) -> dict[str, bytes]:
    return {str(p.relative_to(report.out_dir)): p.read_bytes() for p in report.files}


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path):
    """GIVEN two runs with the same seed and one with another seed
    WHEN each writes the RWP ECDS feed for two months
    THEN the same seed gives byte-identical files (and truth) and the other seed gives different files."""
    cfg = dict(feeds=["rwp_ecds"], population=20_000, months=2)
    a = generate(SynthConfig(out_dir=tmp_path / "a", seed=7, **cfg))
    b = generate(SynthConfig(out_dir=tmp_path / "b", seed=7, **cfg))
    c = generate(SynthConfig(out_dir=tmp_path / "c", seed=8, **cfg))
    assert len(a.files) == 3  # two months and the resubmission of the second
    assert _files_bytes(a) == _files_bytes(b)
    assert a.truth_path.read_bytes() == b.truth_path.read_bytes()
    assert set(_files_bytes(a)) == set(_files_bytes(c))
    assert all(_files_bytes(a)[k] != v for k, v in _files_bytes(c).items())


def _ecds(report, contracts, read, feed: str) -> pd.DataFrame:
    c = contracts[feed]
    df = pd.concat([read(p, c) for p in feed_files(report, c)], ignore_index=True)
    fmt = c.file.timestamp_format
    df["arr"] = pd.to_datetime(df["arrival_datetime"], format=fmt)
    df["dep"] = pd.to_datetime(df["departure_datetime"], format=fmt)
    return df


def test_four_hour_performance_by_site(effects_run, contracts, read):
    """GIVEN the RWP and RLQ emergency care files of a winter quarter
    WHEN the share of attendances ending within 4 hours is computed per site
    THEN the RWP trust is 55-75%, Worcestershire Royal (RWP50) is the worst type 1 site by at least 8 points,
    and the type 3 unit (RWP31) is above 90%."""
    df = pd.concat([_ecds(effects_run, contracts, read, f) for f in ("rwp_ecds", "rlq_ecds")])
    within = (df["dep"] - df["arr"]) <= pd.Timedelta(hours=4)
    by_site = within.groupby(df["site_code"]).mean()
    trust = within[df["site_code"].str.startswith("RWP")].mean()
    assert 0.55 <= trust <= 0.75, trust
    assert by_site["RWP50"] + 0.08 <= min(by_site["RWP01"], by_site["RLQ01"]), by_site
    assert by_site["RWP31"] > 0.90, by_site


def test_attendance_rate_deprivation_gradient(effects_run, contracts, read):
    """GIVEN the emergency care files and the GP registered population list (the denominator)
    WHEN attendances per registered person are computed by national IMD quintile of the LSOA
    THEN quintile 1 attends 1.5-2.1 times as often as quintile 5 (built-in ratio 1.8) and the rate falls
    from quintile 1 through 3 to 5."""
    quintile = load_geography(ROOT / "reference").lsoas.set_index("lsoa_code")["imd_quintile"]
    df = pd.concat([_ecds(effects_run, contracts, read, f) for f in ("rwp_ecds", "rlq_ecds")])
    events = df["lsoa_code"].map(quintile).value_counts()
    gp = contracts["qgh_gp_list"]
    denominators = read(feed_files(effects_run, gp)[0], gp)["lsoa_code"].map(quintile).value_counts()
    rate = (events / denominators).sort_index()
    assert 1.5 <= rate[1] / rate[5] <= 2.1, rate
    assert rate[1] > rate[3] > rate[5], rate


def test_winter_and_weekday_patterns(effects_run, contracts, read):
    """GIVEN the RWP emergency care files for October to December
    WHEN attendances per day are compared
    THEN December runs 5-20% above October (built-in 1.12) and Mondays are at least 15% busier than Sundays
    (built-in 1.15 / 0.89)."""
    df = _ecds(effects_run, contracts, read, "rwp_ecds")
    per_day = df.groupby(df["arr"].dt.month).size() / pd.Series({10: 31, 11: 30, 12: 31})
    assert 1.05 <= per_day[12] / per_day[10] <= 1.20, per_day
    days = df["arr"].dt.normalize()
    by_weekday = df.groupby(days.dt.weekday).size() / days.drop_duplicates().dt.weekday.value_counts()
    assert by_weekday[0] / by_weekday[6] >= 1.15, by_weekday
