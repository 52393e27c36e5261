"""The registry's inequality fields: directly standardised rates (value_type dsr, ci_method dobson) and the
Core20PLUS5 clinical area, refused naming the file and the rule when they do not fit."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from config.measures import MeasureError, load_measure, load_measures

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, source: str, change) -> Path:
    data = yaml.safe_load((REPO / "measures" / f"{source}.yaml").read_text())
    change(data)
    path = tmp_path / f"{source}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_the_standardised_rates_are_declared_for_areas_of_residence_without_age():
    """GIVEN the shipped registry WHEN loaded THEN both DSR measures are per 100,000 with Dobson limits, for the
    system and places, by every published breakdown but age."""
    by_id = {m.id: m for m in load_measures(REPO / "measures", REPO / "contracts")}
    for measure_id in ("ed_attendance_rate_dsr", "emergency_admission_rate_dsr"):
        measure = by_id[measure_id]
        assert (measure.value_type, measure.ci_method, measure.unit) == ("dsr", "dobson", "per_100000")
        assert measure.areas == ["system", "place"]
        assert "age_band" not in measure.breakdowns and "qgh_gp_list" in measure.source_feeds


@pytest.mark.parametrize(("source", "change", "message"), [
    ("ed_attendance_rate_dsr", lambda d: d.update(ci_method="byar"), "ci_method must be 'dobson' for value_type 'dsr'"),
    ("ed_attendance_rate_dsr", lambda d: d.update(unit="count"), "a dsr is published as unit 'per_100000'"),
    ("ed_attendance_rate_dsr", lambda d: d.update(areas=["system", "organisation"]),
     r"areas must be among \['system', 'place'\], found \['organisation'\]"),
    ("ed_attendance_rate_dsr", lambda d: d["breakdowns"].append("age_band"), "must not include 'age_band'"),
    ("ed_4h_all_types", lambda d: d.update(core20plus5_area="asthma"), "core20plus5_area"),
    ("op_dna_rate", lambda d: d.update(value_type="rate", unit="per_100000", ci_method="byar",
                                       core20plus5_area="hypertension"), "core20plus5_area needs value_type"),
])
def test_an_inequality_field_that_does_not_fit_is_refused(tmp_path, source, change, message):
    path = _write(tmp_path, source, change)
    with pytest.raises(MeasureError, match=message) as caught:
        load_measure(path)
    assert str(path) in str(caught.value)


def test_a_proportion_may_name_its_core20plus5_area(tmp_path):
    path = _write(tmp_path, "ed_4h_all_types", lambda d: d.update(core20plus5_area="severe_mental_illness"))
    assert load_measure(path).core20plus5_area == "severe_mental_illness"
