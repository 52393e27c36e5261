"""The measure_values partner table under today's disclosure rules: what is hidden with a value, how booleans
are written, what the gate lets through and what it blocks."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from config.settings import get_settings
from publish.disclosure import apply_disclosure, rule_summary
from publish.errors import SpecError
from publish.files import write_csv
from publish.gate import gate_frame
from publish.spec import TableSpec, load_spec
from tests.publish.conftest import record_delivery

SPEC = load_spec("measure_values")
APRIL = (dt.date(2025, 4, 1), dt.date(2025, 4, 30))


def row(area_type, area_code, numerator, denominator, *, unit="percent", target=78.0, best=None):
    value = 100 * numerator / denominator if unit == "percent" else float(numerator)
    return {
        "measure_id": "ed_4h_all_types", "period_type": "month", "period_start": APRIL[0], "period_end": APRIL[1],
        "area_type": area_type, "area_code": area_code, "breakdown": "all", "breakdown_value": "all",
        "numerator": float(numerator), "denominator": float(denominator), "value": value,
        "lower_95": value - 1, "upper_95": value + 1, "lower_998": value - 2, "upper_998": value + 2,
        "unit": unit, "target": target, "meets_target": value >= target, "best_value": best,
        "gap_to_best": None if best is None else abs(best - value), "compared_to_system": "similar",
        "registry_version": 1,
    }


def source(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=SPEC.source_columns)


def test_everything_derived_from_a_hidden_value_is_hidden_with_it(tmp_path):
    """
    GIVEN organisation A with 45 of 50 (5 not within: a small complement), organisation B with 350 of 500 and
          the system with 7 of 8 (small counts)
    WHEN disclosure control is applied and the CSV written
    THEN A's and the system's values, limits, meets_target, best value, gap and comparison with the system are
         empty while their target
         stays; B's are published to one decimal from the true counts with meets_target 'false'; and the
         manifest says the table's totals are not protected
    """
    frame = apply_disclosure(source(row("organisation", "A", 45, 50, best=90.0),
                                    row("organisation", "B", 350, 500, best=90.0),
                                    row("system", "QGH", 7, 8)), SPEC).frame.set_index("area_code")

    derived = ["value", "lower_95", "upper_95", "lower_998", "upper_998", "meets_target", "best_value",
               "gap_to_best", "compared_to_system"]
    assert frame.loc["A", derived].isna().all() and frame.loc["QGH", derived].isna().all()
    assert frame.loc["A", ["numerator", "denominator", "target"]].tolist() == [45, 50, 78.0]
    assert pd.isna(frame.loc["QGH", "numerator"]) and frame.loc["QGH", "suppressed"]
    assert frame.loc["B", ["value", "lower_95", "best_value", "gap_to_best"]].tolist() == [70.0, 69.0, 90.0, 20.0]
    assert not pd.isna(frame.loc["B", "meets_target"]) and not frame.loc["B", "meets_target"]
    write_csv(frame.reset_index()[SPEC.output_columns], SPEC, tmp_path / "t.csv")
    lines = (tmp_path / "t.csv").read_text().splitlines()
    b_line = next(line for line in lines if ",B," in line)
    assert ",78.0,false,90.0,20.0,similar,1,false" in b_line
    assert any("no secondary suppression yet" in rule for rule in rule_summary(SPEC)["rules"])


def test_the_gate_passes_a_proper_candidate_and_blocks_an_unrounded_count_value(tmp_path, monkeypatch):
    """
    GIVEN a candidate of percentages, and one with a count-valued measure whose value (its numerator, 23) would
          be published unrounded beside the rounded numerator 25
    WHEN each goes through the measure_values gate
    THEN the first passes and the second fails: the spec's rule leaves count-valued measures out
    """
    monkeypatch.setenv("OUTCOMES_WORK_DIR", str(tmp_path / "work"))
    for feed in ("rwp_ecds", "rlq_ecds"):
        record_delivery(get_settings(), feed, APRIL[0].isoformat())
    good = apply_disclosure(source(row("organisation", "B", 350, 500), row("system", "QGH", 700, 1000)), SPEC)
    assert gate_frame(good.frame, SPEC).success

    count_row = row("organisation", "B", 23, 400, unit="count", target=0.0)
    leaky = apply_disclosure(source(count_row), SPEC)
    gate = gate_frame(leaky.frame, SPEC)
    assert not gate.success
    assert any("is published though the rule 'unit = 'count'' leaves it out" in failure for failure in gate.failures)


def test_hidden_with_must_name_a_rate_on_a_dimension():
    data = SPEC.model_dump()
    data["columns"] = [dict(c, hidden_with="registry_version") if c["name"] == "meets_target" else c
                       for c in data["columns"]]
    with pytest.raises(ValueError, match="hidden_with of 'meets_target' must name a rate column"):
        TableSpec.model_validate(data)


def test_the_spec_says_its_totals_are_not_protected_and_hides_the_judgements_with_the_value():
    assert SPEC.disclosure.totals == "not_protected"
    assert [c.name for c in SPEC.columns if c.hidden_with] == ["meets_target", "compared_to_system"]
    with pytest.raises(SpecError):
        load_spec("measure_valuez")


def test_count_valued_measures_are_left_out_by_the_declared_rule_and_the_manifest_says_why(tmp_path):
    """GIVEN a warehouse whose measure_values holds a percent measure and a count-valued measure (RTT long waits)
    WHEN the partner table's source rows are read
    THEN only the percent measure's rows are read, and the rules in the manifest state the exclusion and why."""
    import duckdb

    from publish.source import read_source

    warehouse = tmp_path / "w.duckdb"
    rows = source(row("organisation", "A", 350, 500), row("organisation", "A", 12, 400, unit="count"))
    rows.loc[1, "measure_id"] = "rtt_over_52_weeks"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.register("rows", rows)
        con.execute("create table marts.measure_values as select * from rows")

    read = read_source(warehouse, SPEC)

    assert read["measure_id"].tolist() == ["ed_4h_all_types"]
    assert any("unit = 'count'" in rule and "unrounded" in rule for rule in rule_summary(SPEC)["rules"])
