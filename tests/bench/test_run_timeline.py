"""bench.run_timeline: a timed run's wall time split around its dbt build, from dbt's run results."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bench.run_timeline import median_phases, run_phases

T0 = datetime(2026, 12, 7, 19, 0, 0, tzinfo=UTC).timestamp()


def _node(uid: str, start: float, end: float) -> dict:
    def stamp(seconds: float) -> str:
        return datetime.fromtimestamp(T0 + seconds, UTC).isoformat().replace("+00:00", "Z")

    return {"unique_id": uid, "execution_time": end - start,
            "timing": [{"name": "compile", "started_at": stamp(start), "completed_at": stamp(start + 0.01)},
                       {"name": "execute", "started_at": stamp(start + 0.01), "completed_at": stamp(end)}]}


def test_a_run_is_split_at_its_builds_first_and_last_node(tmp_path):
    """GIVEN a run started at T0 and ended 13 s later, whose dbt ran a model from 2.0 to 5.0 s, a test from 5.0
    to 5.25 s and its run-end hook from 5.25 to 5.5 s (and listed a node it skipped, without timing)
    WHEN its phases are taken
    THEN 2.0 s before the first node, 3.5 s of nodes, 7.5 s after the last; one model and one test counted; the
    slowest node first."""
    path = tmp_path / "run_results.json"
    path.write_text(json.dumps({"results": [
        _node("model.outcomes.int_event_people", 2.0, 5.0), _node("test.outcomes.unique_x.abc", 5.0, 5.25),
        _node("operation.outcomes.outcomes-on-run-end-0", 5.25, 5.5),
        {"unique_id": "model.outcomes.skipped", "execution_time": 0.0, "timing": []}]}))

    phases = run_phases(path, T0, T0 + 13.0)

    assert (phases["before_nodes_s"], phases["nodes_s"], phases["after_nodes_s"]) == (2.0, 3.5, 7.5)
    assert (phases["models"], phases["tests"]) == (2, 1)
    assert phases["slowest_nodes"][0] == {"node": "int_event_people", "seconds": 3.0}


def test_no_results_or_no_timed_node_gives_no_phases_and_the_median_skips_them(tmp_path):
    """GIVEN a run with no run results, one whose nodes carry no timing, and two timed runs
    WHEN the phases are taken and their medians
    THEN the first two have none, and each median is taken over the timed runs alone."""
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"results": [{"unique_id": "model.a.b", "execution_time": 0.0, "timing": []}]}))
    assert run_phases(tmp_path / "absent.json", T0, T0 + 1) == {} == run_phases(empty, T0, T0 + 1)

    timed = [{"before_nodes_s": b, "nodes_s": n, "after_nodes_s": a, "models": 24, "tests": 74,
              "slowest_nodes": []} for b, n, a in ((2.0, 9.0, 2.0), (3.0, 8.0, 1.0), (2.5, 10.0, 3.0))]
    median = median_phases([{}, *timed])
    assert (median["before_nodes_s"], median["nodes_s"], median["after_nodes_s"]) == (2.5, 9.0, 2.0)
    assert median_phases([{}, {}]) == {}

