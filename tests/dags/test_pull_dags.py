"""The pull DAGs' wiring: what each source kind runs, and how source errors become Airflow outcomes (a
misconfigured source fails at once without retry; an unavailable one raises for the task's retries and backoff)."""

from __future__ import annotations

import pytest

from pull.errors import SourceMisconfigured, SourceUnavailable


def test_each_mesh_feed_waits_then_pulls_on_its_cadence(dagbag):
    dag = dagbag.dags["pull__rwp_ecds"]
    assert [t.task_id for t in dag.topological_sort()] == ["wait_for_files", "pull"]
    assert dag.timetable.expression == "0 0 1 * *" and dag.catchup is False  # @monthly
    assert dagbag.dags["pull__rwp_rtt"].timetable.expression == "0 0 * * 0"  # @weekly
    assert all(t.retries == 2 and t.retry_exponential_backoff for t in dag.tasks)


@pytest.mark.parametrize(("frequency", "run_at", "period"), [
    ("monthly", "2026-12-01T00:00:00+00:00", ("2026-11-01", "2026-12-01")),
    ("monthly", "2026-05-01T00:00:00+01:00", ("2026-04-01", "2026-05-01")),  # London midnight in summer time
    ("quarterly", "2026-04-01T00:00:00+01:00", ("2026-01-01", "2026-04-01")),
    ("annual", "2027-01-01T00:00:00+00:00", ("2026-01-01", "2027-01-01")),
    ("weekly", "2026-11-29T00:00:00+00:00", ("2026-11-22", "2026-11-29")),
    ("daily", "2026-12-02T00:00:00+00:00", ("2026-12-01", "2026-12-02")),
])
def test_a_run_extracts_the_period_that_ended_at_its_time(frequency, run_at, period):
    """GIVEN a run triggered at a period boundary WHEN its SQL extract's period is derived THEN it is the period
    that just ended, in London's calendar"""
    import pendulum

    from config.contracts import contract_for_feed
    from config.settings import get_settings
    from outcomes.feed_pull import period_before

    base = contract_for_feed(get_settings().contracts_dir, "rwp_ecds")
    contract = base.model_copy(update={"cadence": base.cadence.model_copy(update={"frequency": frequency})})
    start, end = period_before(contract, pendulum.parse(run_at).in_timezone("UTC"))
    assert (start.isoformat(), end.isoformat()) == period


def _sensor(timeout_seconds: float = 3600):
    from outcomes.pull_sensor import SourceFilesSensor

    return SourceFilesSensor(task_id="wait_for_files", feed_id="rwp_ecds", poke_seconds=3,
                             timeout_seconds=timeout_seconds)


def test_the_sensor_returns_the_names_or_defers_on_a_timer_or_times_out(monkeypatch):
    """GIVEN the source's answer WHEN the sensor looks THEN files: done with their names; nothing: deferred on a
    timer (no worker slot held), carrying the first look's time; nothing past the timeout: AirflowSensorTimeout"""
    from airflow.providers.standard.triggers.temporal import DateTimeTrigger
    from airflow.sdk.exceptions import AirflowSensorTimeout, TaskDeferred

    import outcomes.feed_pull as steps

    monkeypatch.setattr(steps, "waiting_files", lambda feed_id: ["RWP_ECDS_2025-04.csv"])
    assert _sensor().execute({}) == ["RWP_ECDS_2025-04.csv"]
    monkeypatch.setattr(steps, "waiting_files", lambda feed_id: [])
    with pytest.raises(TaskDeferred) as deferred:
        _sensor().execute({})
    assert isinstance(deferred.value.trigger, DateTimeTrigger) and deferred.value.method_name == "execute"
    first = deferred.value.kwargs["first_look"]
    with pytest.raises(AirflowSensorTimeout, match="feed rwp_ecds: nothing arrived"):
        _sensor(timeout_seconds=0).execute({}, first_look=first)


@pytest.mark.parametrize(("error", "outcome"), [
    (SourceMisconfigured("feed rwp_ecds: Airflow connection 'mesh_rwp' is not defined"), "AirflowFailException"),
    (SourceUnavailable("feed rwp_ecds: cannot reach MESH"), "SourceUnavailable"),
])
def test_source_errors_fail_at_once_or_retry(dagbag, monkeypatch, error, outcome):
    """GIVEN the source raising WHEN the sensor looks and the pull task runs THEN a misconfigured source fails
    without retry (AirflowFailException, the message kept); an unavailable one is raised as is (retried)"""
    import outcomes.feed_pull as steps

    def raising(*args, **kwargs):
        raise error

    monkeypatch.setattr(steps, "waiting_files", raising)
    monkeypatch.setattr(steps, "pull_files", raising)
    pull_task = dagbag.dags["pull__rwp_ecds"].get_task("pull")
    for call in (lambda: _sensor().execute({}), lambda: pull_task.python_callable()):
        with pytest.raises(Exception, match="feed rwp_ecds") as raised:
            call()
        assert type(raised.value).__name__ == outcome
