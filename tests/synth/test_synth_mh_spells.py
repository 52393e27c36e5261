"""The community trust's mental health hospital spells (r1a_mh_spells) and their follow-up contacts: the spells are
drawn at about the trust's yearly admissions and linked to the same people's mental health contacts, some within
72 hours of discharge and some not."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import SMALL, feed_files

from synth import SynthConfig, generate
from synth.feeds import mh_spells


@pytest.fixture(scope="module")
def mh_run(tmp_path_factory):
    """The mental health spells and contacts only, clean, on the small population (40,000, three months)."""
    out = tmp_path_factory.mktemp("synth_mh_spells")
    return generate(SynthConfig(out_dir=out, clean=True, feeds=["r1a_mh_spells", "r1a_mh_contacts"], **SMALL))


def _frames(report, contracts, read, feed_id: str) -> pd.DataFrame:
    contract = contracts[feed_id]
    return pd.concat([read(p, contract) for p in feed_files(report, contract)], ignore_index=True)


def test_spells_come_at_about_the_trusts_yearly_admissions(mh_run, contracts, read):
    """GIVEN 40,000 people over three months
    WHEN the mental health spells discharged are counted
    THEN they are near 3,089 a year scaled to the population (a quarter of 154: about 39; Poisson, so within
    15-70), and every discharge is after its admission."""
    spells = _frames(mh_run, contracts, read, "r1a_mh_spells")
    expected = mh_spells.ADMISSION_RATE * SMALL["population"] * SMALL["months"] / 12
    assert 3088 < mh_spells.ADMISSION_RATE * 800_000 < 3090
    assert 15 <= len(spells) <= 70, (len(spells), expected)
    assert (pd.to_datetime(spells["discharge_datetime"]) >= pd.to_datetime(spells["admission_datetime"])).all()


def test_follow_up_contacts_are_the_same_peoples_some_within_72_hours_some_not(mh_run, contracts, read):
    """WHEN each discharge home is joined by NHS Number to the mental health contacts that follow it
    THEN every follow-up contact of the spells' referrals (R1AQ...) is the person's own and dated after one of
    their discharges, and among discharges home some are followed up within 72 hours and some are not."""
    spells = _frames(mh_run, contracts, read, "r1a_mh_spells")
    contacts = _frames(mh_run, contracts, read, "r1a_mh_contacts")
    follow = contacts[contacts["referral_id"].str.startswith("R1AQ")]
    assert len(follow) > 0 and set(follow["service_team_type"]) == {mh_spells.FOLLOW_UP_TEAM}
    spells["spell_ref"] = "R1AQ" + spells["hospital_spell_id"].str[4:]
    own = follow.merge(spells, left_on="referral_id", right_on="spell_ref", suffixes=("", "_spell"))
    assert (own["nhs_number"] == own["nhs_number_spell"]).all()
    assert (pd.to_datetime(own["contact_datetime"]) > pd.to_datetime(own["discharge_datetime"])).all()
    home = spells[spells["discharge_destination"].isin(mh_spells.FOLLOWED_DESTINATIONS)]
    attended = contacts[contacts["attendance_status"].isin(["5", "6"])]
    pairs = home.merge(attended, on="nhs_number")
    after = pd.to_datetime(pairs["contact_datetime"]) - pd.to_datetime(pairs["discharge_datetime"])
    within = set(pairs.loc[(after >= pd.Timedelta(0)) & (after <= pd.Timedelta(hours=72)), "hospital_spell_id"])
    assert 0 < len(within) < len(home), (len(within), len(home))
