"""The measure_values partner table under its measures' profiles: what is hidden with a value, how count-valued
measures are published, what the gate lets through and what it blocks."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from config.settings import get_settings
from publish.disclosure import apply_disclosure, measures_by_id, rule_summary
from publish.errors import SpecError
from publish.files import write_csv
from publish.gate import gate_frame
from publish.source import read_source
from publish.spec import TableSpec, load_spec
from tests.publish.conftest import record_delivery

SPEC = load_spec("measure_values")
MEASURES = measures_by_id()
APRIL = (dt.date(2025, 4, 1), dt.date(2025, 4, 30))


def row(area_type, area_code, numerator, denominator, *, measure="ed_4h_all_types", unit="percent", target=78.0):
    value = 100 * numerator / denominator if unit == "percent" else float(numerator)
    return {
        "measure_id": measure, "period_type": "month", "period_start": APRIL[0], "period_end": APRIL[1],
        "area_type": area_type, "area_code": area_code, "breakdown": "all", "breakdown_value": "all",
        "numerator": float(numerator), "denominator": float(denominator), "value": value,
        "lower_95": value - 1, "upper_95": value + 1, "lower_998": value - 2, "upper_998": value + 2,
        "unit": unit, "target": target, "meets_target": value >= target if target is not None else None,
        "best_value": None, "gap_to_best": None, "compared_to_system": "similar", "registry_version": 1,
    }


def source(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=SPEC.source_columns)


def test_everything_derived_from_a_hidden_cell_is_hidden_with_it(tmp_path):
    """
    GIVEN organisation A with 5 of 6 (small), B with 350 of 500, C with 200 of 260 and the system with 555 of 766
    WHEN disclosure control is applied and the CSV written
    THEN A is suppressed and C (the smallest other organisation) with it, so the system minus B gives only their
         sum: A's and C's values, limits, meets_target, best value, gap and comparison with the system are
         empty while their target stays;
         B's value is 70.0 from its published counts, its limits the Wilson limits of 350 of 500, its best value
         its own (the only published organisation) and meets_target false; the system's 72.5 is 555 / 765
    """
    frame = apply_disclosure(source(row("organisation", "A", 5, 6), row("organisation", "B", 350, 500),
                                    row("organisation", "C", 200, 260), row("system", "QGH", 555, 766)),
                             SPEC, MEASURES).frame.set_index("area_code")

    derived = ["numerator", "denominator", "value", "lower_95", "upper_95", "lower_998", "upper_998",
               "meets_target", "best_value", "gap_to_best", "compared_to_system"]
    assert frame.loc[["A", "C"], derived].isna().all().all() and frame.loc[["A", "C"], "suppressed"].all()
    assert frame.loc[["A", "C"], "target"].tolist() == [78.0, 78.0]
    assert frame.loc["B", ["value", "lower_95", "upper_95", "best_value", "gap_to_best"]].tolist() == [
        70.0, 65.8, 73.9, 70.0, 0.0]
    assert frame.loc["B", "meets_target"] is not None and not frame.loc["B", "meets_target"]
    assert frame.loc["QGH", ["numerator", "denominator", "value"]].tolist() == [555, 765, 72.5]
    write_csv(frame.reset_index()[SPEC.output_columns], SPEC, tmp_path / "t.csv")
    b_line = next(line for line in (tmp_path / "t.csv").read_text().splitlines() if ",B," in line)
    assert ",350,500,70.0,65.8,73.9," in b_line and ",78.0,false,70.0,0.0,similar,1,false" in b_line
    assert any("secondary suppression" in rule for rule in rule_summary(SPEC, ("nhs_standard",))["rules"])


def test_count_valued_measures_are_published_rounded_and_the_gate_blocks_a_leaked_count(tmp_path, monkeypatch):
    """
    GIVEN RTT 52-week waits of 23 (of 400 on the list) at organisation B and 2 at C, with percentages elsewhere
    WHEN disclosure control is applied and the candidate goes through the gate, and then a candidate whose
         numerator was tampered to 3
    THEN the count measure's value is its published count 25 (not 23), C's 2 is suppressed, the first passes,
         and the second fails on the small-count expectation
    """
    rows = [row("organisation", "B", 350, 500), row("system", "QGH", 700, 1000),
            row("organisation", "B", 23, 400, measure="rtt_over_52_weeks", unit="count", target=None),
            row("organisation", "C", 2, 300, measure="rtt_over_52_weeks", unit="count", target=None)]
    monkeypatch.setenv("OUTCOMES_WORK_DIR", str(tmp_path / "work"))
    for feed in ("rwp_ecds", "rlq_ecds", "rwp_rtt", "rlq_rtt"):
        record_delivery(get_settings(), feed, APRIL[0].isoformat())
    good = apply_disclosure(source(*rows), SPEC, MEASURES).frame

    rtt = good[good["measure_id"] == "rtt_over_52_weeks"].set_index("area_code")
    assert rtt.loc["B", ["numerator", "denominator", "value"]].tolist() == [25, 400, 25.0]
    assert pd.isna(rtt.loc["C", "value"]) and pd.isna(rtt.loc["C", "numerator"])
    assert gate_frame(good, SPEC).success
    leaky = good.copy()
    leaky.loc[0, "numerator"] = 3
    gate = gate_frame(leaky, SPEC)
    assert not gate.success and any("forbid" in f and "numerator" in f for f in gate.failures)


def test_hidden_with_must_name_a_rate_on_a_dimension():
    data = SPEC.model_dump()
    data["columns"] = [dict(c, hidden_with="registry_version") if c["name"] == "meets_target" else c
                       for c in data["columns"]]
    with pytest.raises(ValueError, match="hidden_with of 'meets_target' must name a rate column"):
        TableSpec.model_validate(data)


def test_the_spec_takes_profiles_from_the_registry_and_protects_its_totals():
    assert (SPEC.disclosure.profile, SPEC.disclosure.totals) == ("registry", "long_table")
    assert SPEC.exclude is None
    assert [c.name for c in SPEC.columns if c.hidden_with] == ["meets_target", "compared_to_system"]
    with pytest.raises(SpecError):
        load_spec("measure_valuez")
    data = SPEC.model_dump()
    data["disclosure"]["profile"] = "lenient"
    with pytest.raises(ValueError, match="disclosure profile must be 'registry' or one of"):
        TableSpec.model_validate(data)


def test_count_valued_measures_are_read_from_the_warehouse(tmp_path):
    """GIVEN a warehouse whose measure_values holds a percent measure and a count-valued measure (RTT long waits)
    WHEN the partner table's source rows are read
    THEN both are read: no rule leaves count measures out any more."""
    warehouse = tmp_path / "w.duckdb"
    rows = source(row("organisation", "A", 350, 500),
                  row("organisation", "A", 12, 400, measure="rtt_over_52_weeks", unit="count"))
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.register("rows", rows)
        con.execute("create table marts.measure_values as select * from rows")

    read = read_source(warehouse, SPEC)

    assert sorted(read["measure_id"]) == ["ed_4h_all_types", "rtt_over_52_weeks"]


def test_every_value_type_of_the_registry_has_a_disclosure_rule():
    """GIVEN the value types a measure may declare (config/measures.py) WHEN compared with publish/derived.py's
    rules THEN each is either computed from the rounded counts, published as a count or exempt (a new value type,
    a standardised rate for instance, must be placed before anything of it is published)."""
    from config.measures import ValueType
    from publish.derived import VALUE_TYPES

    assert set(ValueType.__args__) <= VALUE_TYPES
