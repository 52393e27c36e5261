"""Data-sharing agreements: the repository's are valid against the registry, and each rule refuses what it must,
naming the file and the rule."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
import yaml

from config.agreements import AgreementError
from config.settings import get_settings
from share.agreements import load_checked, standing

REPO_AGREEMENTS = get_settings().agreements_dir


def write(folder: Path, partner: str, **changes) -> Path:
    """An agreement copied from the repository's Wye Valley one, with ``changes``, saved as ``partner``."""
    data = yaml.safe_load((REPO_AGREEMENTS / "wye_valley.yaml").read_text())
    data.update(partner=partner, **changes)
    path = folder / f"{partner}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def checked(folder: Path):
    return load_checked(dataclasses.replace(get_settings(), agreements_root=folder))


def test_every_agreement_in_the_repository_is_valid_against_the_registry_and_the_specs():
    """GIVEN agreements/*.yaml WHEN loaded and cross-checked THEN there is one per partner of the system, the
    councils see their own place and the system, the trusts their own organisation and the system."""
    agreements = load_checked(get_settings())

    assert {"icb", "wye_valley", "worcestershire_acute", "hw_health_and_care", "herefordshire_council",
            "worcestershire_council", "healthwatch_herefordshire", "voluntary_sector"} <= set(agreements)
    assert agreements["herefordshire_council"].areas == ["system", "place:E06000019"]
    assert agreements["wye_valley"].areas == ["system", "organisation:RLQ"]


@pytest.mark.parametrize(("changes", "rule"), [
    ({"areas": ["system", "organisation:RWP"]}, "a trust sees its own organisation and the system only"),
    ({"kind": "council"}, "a council sees its own place and the system only"),
    ({"organisation_code": "E06000019", "areas": ["system", "organisation:E06000019"]},
     "organisation E06000019 is a council, but the agreement says trust"),
    ({"tables": [{"table": "measure_values", "measures": ["ed_4h_all_types", "no_such_measure"]}]},
     "measures ['no_such_measure'] of table measure_values are not in the registry"),
    ({"tables": [{"table": "waiting_lists"}]}, "table 'waiting_lists' is not published"),
    ({"profile": "mhsds"}, "profile 'mhsds' is looser than ['nhs_standard']"),
    ({"profile": "lenient"}, "unknown disclosure profile 'lenient'"),
    ({"start": "2027-04-01", "expiry": "2027-03-31"}, "expiry 2027-03-31 is before start 2027-04-01"),
    ({"formats": ["csv", "pdf"]}, "formats"),
])
def test_a_rule_broken_is_refused_naming_the_file_and_the_rule(tmp_path, changes, rule):
    """GIVEN an agreement breaking one rule WHEN checked THEN it is refused, naming its file and that rule."""
    path = write(tmp_path, "partner_x", **changes)

    with pytest.raises(AgreementError) as caught:
        checked(tmp_path)

    assert str(path) in str(caught.value) and rule in str(caught.value)


def test_a_stricter_profile_is_accepted_and_standing_says_why_nothing_is_delivered(tmp_path):
    """GIVEN an agreement asking for strict_10 from 2026-04-01 to 2027-03-31
    WHEN its standing is judged on days inside and outside those dates, and for a partner with no agreement
    THEN it is in force inside them; before, after, and for the unknown partner nothing is delivered, and the
         reason names the agreement and the date, or the missing agreement."""
    write(tmp_path, "partner_x", profile="strict_10")
    agreements = checked(tmp_path)
    settings = dataclasses.replace(get_settings(), agreements_root=tmp_path)

    assert standing("partner_x", agreements, dt.date(2026, 12, 2), settings).in_force
    late = standing("partner_x", agreements, dt.date(2027, 4, 1), settings)
    early = standing("partner_x", agreements, dt.date(2026, 3, 31), settings)
    missing = standing("nobody", agreements, dt.date(2026, 12, 2), settings)
    assert not late.in_force and "DSA-HW-003 version 1 expired on 2027-03-31" in late.reason
    assert not early.in_force and "starts on 2026-04-01" in early.reason
    assert not missing.in_force and "no data-sharing agreement for partner 'nobody'" in missing.reason
