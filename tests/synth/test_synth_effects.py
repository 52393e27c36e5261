"""Effects in the community, outpatient and ICB feeds, recoverable from the files within stated tolerances."""

from __future__ import annotations

import pandas as pd
from conftest import ROOT, feed_files

from synth.geography import load_geography


def _geo() -> pd.DataFrame:
    return load_geography(ROOT / "reference").lsoas.set_index("lsoa_code")


def test_rural_residents_wait_longer_for_urgent_community_response(effects_run, contracts, read):
    """GIVEN the community contact files
    WHEN minutes from referral to first contact are taken for 2-hour urgent community response (UCR) referrals
    THEN the rural median is at least 15 minutes longer than the urban one (built-in 105 against 75) and
    fewer rural referrals are seen within 2 hours."""
    c = contracts["r1a_community"]
    df = pd.concat([read(p, c) for p in feed_files(effects_run, c)], ignore_index=True)
    df = df[(df["team_type"] == "UCR") & (df["first_contact"] == "Y")]
    fmt = c.file.timestamp_format
    minutes = (pd.to_datetime(df["contact_datetime"], format=fmt)
               - pd.to_datetime(df["referral_received_datetime"], format=fmt)).dt.total_seconds() / 60
    rural = df["lsoa_code"].map(_geo()["rural"]).astype(bool)
    assert rural.sum() > 50 and (~rural).sum() > 50
    assert minutes[rural].median() >= minutes[~rural].median() + 15, (minutes[rural].median(),
                                                                      minutes[~rural].median())
    assert (minutes[rural] <= 120).mean() < (minutes[~rural] <= 120).mean()


def test_did_not_attend_rises_with_deprivation(effects_run, contracts, read):
    """GIVEN the RWP outpatient files
    WHEN the share of appointments not attended (code 3) is computed by IMD quintile
    THEN quintile 1 is at least 1.6 times quintile 5 (built-in 2.2)."""
    c = contracts["rwp_outpatients"]
    df = pd.concat([read(p, c) for p in feed_files(effects_run, c)], ignore_index=True)
    dna = (df["attendance_status"] == "3").groupby(df["lsoa_code"].map(_geo()["imd_quintile"])).mean()
    assert dna[1] / dna[5] >= 1.6, dna


def test_smi_health_checks_fall_with_deprivation(effects_run, contracts, read):
    """GIVEN the latest SMI physical health check file
    WHEN the share of people with all six checks in the last 12 months is computed by IMD quintile
    THEN quintile 5 is at least 10 points above quintile 1 (built-in 62% against 42%)."""
    c = contracts["qgh_smi_checks"]
    df = read(feed_files(effects_run, c)[-1], c)
    checks = [col for col in df.columns if col.endswith("_check_date")]
    complete = (df[checks] != "").all(axis=1)
    share = complete.groupby(df["lsoa_code"].map(_geo()["imd_quintile"])).mean()
    assert share[5] - share[1] >= 0.10, share
