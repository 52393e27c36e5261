"""Each expectation's configuration built once per validation (publish.gx_memo): the same results, fewer builds."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from publish import gx_memo

gx = pytest.importorskip("great_expectations")

EXPECTATIONS = [
    {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1, "max_value": 10}},
    {"type": "expect_table_columns_to_match_ordered_list", "kwargs": {"column_list": ["k", "code", "a", "b"]}},
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "code"}},
    {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "code", "value_set": ["x", "y"]}},
    {"type": "expect_column_values_to_not_be_in_set", "kwargs": {"column": "code", "value_set": ["z"]}},
    {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "code", "regex": "^[xy]$"}},
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "a", "min_value": 0, "max_value": 5}},
    {"type": "expect_column_pair_values_a_to_be_greater_than_b",
     "kwargs": {"column_A": "a", "column_B": "b", "or_equal": True}},
    {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["k", "code"]}},
]


def validate(result_format: dict, memo: bool) -> list[dict]:
    """Each expectation's result on a frame that breaks most of them, validated with or without the memo."""
    gx_memo.install()
    context = gx.get_context(mode="ephemeral")
    frame = pd.DataFrame({"k": [1, 2, 2, 3], "code": ["x", "z", "z", None], "a": [1, 7, 7, 2], "b": [0, 9, 9, 2]})
    batch = context.data_sources.add_pandas("frames").add_dataframe_asset("rows").add_batch_definition_whole_dataframe(
        "all")
    suite = context.suites.add(gx.ExpectationSuite(name="memo", expectations=[dict(e) for e in EXPECTATIONS]))
    definition = context.validation_definitions.add(gx.ValidationDefinition(name="memo", data=batch, suite=suite))
    if memo:
        with gx_memo.configurations_built_once():
            result = definition.run(batch_parameters={"dataframe": frame}, result_format=result_format)
    else:
        result = definition.run(batch_parameters={"dataframe": frame}, result_format=result_format)
    results = [r.to_json_dict() for r in result.results]
    for r in results:
        r["expectation_config"].pop("id")  # each context gives its suite's expectations new ids
    return results


@pytest.mark.parametrize("result_format", [{"result_format": "BOOLEAN_ONLY"},
                                           {"result_format": "SUMMARY", "partial_unexpected_count": 20}])
def test_a_validation_gives_the_same_results_with_each_configuration_built_once(result_format):
    """GIVEN nine expectations of the kinds the gate's suites use, seven of them broken by the frame
    WHEN the frame is validated without the memo and with it
    THEN every expectation's result (success, counts, unexpected values, its configuration) is the same."""
    without, within = validate(result_format, memo=False), validate(result_format, memo=True)
    assert [r["success"] for r in without].count(False) == 7
    assert within == without


def test_the_configuration_is_built_once_inside_the_block_only():
    """GIVEN an expectation object
    WHEN its configuration is read twice inside the block, and twice outside it, and on a thread the block did not
    start
    THEN inside, both reads give the one configuration built; outside and on the other thread, each read builds
    its own (GX's property), equal to it."""
    gx_memo.install()
    expectation = gx.expectations.ExpectColumnValuesToNotBeNull(column="k")
    with gx_memo.configurations_built_once():
        first = expectation.configuration
        assert expectation.configuration is first
        elsewhere: list = []
        thread = threading.Thread(target=lambda: elsewhere.extend([expectation.configuration,
                                                                   expectation.configuration]))
        thread.start()
        thread.join()
        assert elsewhere[0] is not elsewhere[1] and elsewhere[0] == first
    outside = expectation.configuration
    assert outside is not first and outside == first and expectation.configuration is not outside
