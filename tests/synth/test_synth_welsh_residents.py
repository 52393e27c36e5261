"""Residents of Wales in Wye Valley's feeds: the intended share comes back out, and they appear nowhere else."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, contract_of, feed_files

from synth import SynthConfig, generate
from synth.geography import load_border_geography
from synth.nhs import generate_nhs_numbers, is_valid

WYE_VALLEY = ["rlq_ecds", "rlq_apc", "rlq_outpatients", "rlq_rtt"]
BORDER = load_border_geography(ROOT / "reference").lsoas


@pytest.fixture(scope="session")
def wye_valley_run(tmp_path_factory):
    """Wye Valley's four feeds, clean, 200,000 registered persons (about 48,000 in Herefordshire), a quarter."""
    out = tmp_path_factory.mktemp("synth_wye_valley")
    report = generate(SynthConfig(out_dir=out, clean=True, feeds=WYE_VALLEY, population=200_000, months=3,
                                  start="2025-10"))
    return report, json.loads(report.truth_path.read_text(encoding="utf-8"))


def _rows(report, contract, read) -> pd.DataFrame:
    return pd.concat([read(p, contract) for p in feed_files(report, contract)], ignore_index=True)


@pytest.mark.parametrize("feed_id", WYE_VALLEY)
def test_intended_welsh_share_comes_back_out_of_each_wye_valley_feed(wye_valley_run, contracts, read, feed_id):
    """GIVEN the intended share of Welsh residents recorded in truth.json and a clean quarter of a Wye Valley feed
    WHEN the share of its rows whose LSOA is Welsh (W01) is measured
    THEN it is within four standard errors of the intended share, the standard error taken over the feed's
    distinct patients (rows of one patient are not independent, so this bound is the conservative one)."""
    report, truth = wye_valley_run
    intended = truth["welsh_residents"]["share_of_wye_valley_rows"]
    assert 0.05 <= intended <= 0.10 and feed_id in truth["welsh_residents"]["feeds"]
    df = _rows(report, contracts[feed_id], read)
    welsh = df["lsoa_code"].str.startswith("W")
    patients = df["nhs_number"].nunique()
    tolerance = 4 * math.sqrt(intended * (1 - intended) / patients)
    assert abs(welsh.mean() - intended) <= tolerance, (feed_id, welsh.mean(), intended, tolerance, patients)


def test_welsh_residents_are_a_population_of_their_own_linked_across_wye_valley(wye_valley_run, contracts, read):
    """GIVEN the Wye Valley quarter
    WHEN its Welsh rows are examined
    THEN they live in Powys or Monmouthshire LSOAs of the border list, are registered with Welsh practices (W99...),
    have valid NHS Numbers that no English resident of the files shares, every truth figure matches the persons
    seen, and each Welsh emergency admission (method 21) is an ECDS attendance of the same person ending that
    day, identifiers marked as the border series (suffix W)."""
    report, truth = wye_valley_run
    ecds, apc = (_rows(report, contracts[f], read) for f in ("rlq_ecds", "rlq_apc"))
    frames = [_rows(report, contracts[f], read) for f in ("rlq_outpatients", "rlq_rtt")] + [ecds, apc]
    rows = pd.concat([f[["nhs_number", "lsoa_code", "gp_practice_code"]] for f in frames], ignore_index=True)
    in_wales = rows["lsoa_code"].str.startswith("W")
    welsh, english = rows[in_wales], rows[~in_wales]
    assert set(welsh["lsoa_code"]) <= set(BORDER["lsoa_code"])
    assert welsh["gp_practice_code"].str.fullmatch(r"W99\d{3}").all()
    assert not english["gp_practice_code"].str.startswith("W").any()
    assert is_valid(welsh["nhs_number"].astype("int64").to_numpy()).all()
    assert not set(welsh["nhs_number"]) & set(english["nhs_number"])
    assert welsh["nhs_number"].nunique() <= truth["welsh_residents"]["persons"]
    assert truth["welsh_residents"]["lsoas"] == len(BORDER) == 135
    welsh_ecds = ecds[ecds["lsoa_code"].str.startswith("W")]
    assert welsh_ecds["attendance_id"].str.endswith("W").all()
    admitted = apc[(apc["admission_method"] == "21") & apc["lsoa_code"].str.startswith("W")]
    left = set(zip(welsh_ecds["nhs_number"], welsh_ecds["departure_datetime"].str[:10], strict=True))
    assert len(admitted) > 20
    assert all((n, d) in left for n, d in zip(admitted["nhs_number"], admitted["admission_date"], strict=True))


def test_welsh_residents_appear_only_in_wye_valley_feeds(default_run, contracts, read):
    """GIVEN a default run of every feed (with defects)
    WHEN the LSOA column of every file is read
    THEN Welsh LSOAs occur in each of Wye Valley's four feeds and in no other feed (not on the ICB's GP list,
    not in the community trust's, the councils' or the other acute trust's files)."""
    report, truth = default_run
    found: dict[str, int] = {}
    for path in report.files:
        c = contract_of(contracts, path)
        rel = str(path.relative_to(report.out_dir))
        is_1252 = any(d["kind"] == "windows_1252" and d["file"] == rel for d in truth["defects"])
        df = read(path, c, "windows-1252" if is_1252 else None)
        if "lsoa_code" in df.columns:
            found[c.feed_id] = found.get(c.feed_id, 0) + int(df["lsoa_code"].astype(str).str.startswith("W").sum())
    assert {f for f, n in found.items() if n} == set(WYE_VALLEY) == set(truth["welsh_residents"]["feeds"])


def test_border_nhs_numbers_avoid_the_registered_population():
    """GIVEN the NHS Numbers of a registered population that fills most of the 999 test range
    WHEN numbers for another population are drawn avoiding them
    THEN they are valid, distinct and none is already taken; without ``avoid`` the draw is unchanged."""
    home = generate_nhs_numbers(800_000, np.random.default_rng(1))
    other = generate_nhs_numbers(15_000, np.random.default_rng(2), avoid=home)
    assert len(np.unique(other)) == 15_000 and is_valid(other).all()
    assert not np.isin(other, home).any()
    assert (generate_nhs_numbers(500, np.random.default_rng(3))
            == generate_nhs_numbers(500, np.random.default_rng(3), avoid=None)).all()
