"""The report's charts: Altair's conversion of their frames to JSON values, once per frame within a report build."""

from __future__ import annotations

import altair as alt
import pandas as pd

from outcomes.report import charts


def rows() -> pd.DataFrame:
    return pd.DataFrame({"breakdown_value": ["1", "2", "3", "4", "5"], "value": [9.5, 8.0, 7.25, None, 5.0],
                         "lower_95": [8.0, 7.0, 6.0, None, 4.0], "upper_95": [11.0, 9.0, 8.5, None, 6.0],
                         "sii_line": [9.6, 8.4, 7.2, 6.0, 4.8]})


def test_frames_converted_once_gives_the_same_spec_and_converts_each_frame_once(monkeypatch):
    """GIVEN a layered chart whose three layers share one frame WHEN it is drawn inside the block THEN its spec is
    the one drawn outside it, the shared frame is converted once (the overall line's own frame once more), and the
    data transformer in force before the block is back after it."""
    chart = charts.by_group(rows(), "percent", "IMD quintile", overall=7.0, order=list("12345"))
    expected = chart.to_dict(validate=False)
    calls = []
    convert = charts.default_data_transformer
    monkeypatch.setattr(charts, "default_data_transformer", lambda data, **kw: calls.append(id(data)) or
                        convert(data, **kw))
    before = alt.data_transformers.active
    with charts.frames_converted_once():
        drawn = chart.to_dict(validate=False)
        again = chart.to_dict(validate=False)
    assert drawn == expected and again == expected
    assert len(calls) == 2 and len(set(calls)) == 2  # the layers' frame and the overall line's, each once
    assert alt.data_transformers.active == before
