"""Late feeds: every morning, check each contract's delivery deadline and alert on feeds that missed it."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from outcomes.alerts import on_failure_callback

DOC = """\
# Late feeds

**Runs** daily at 07:00 (Europe/London).

**Does** for every contract, take its cadence (`daily`, `weekly`, `monthly`, `quarterly`, `annual`) and
`deadline_days`, find the most recent period whose deadline (last day of the period + `deadline_days`) has
passed, and look in the load ledger for a loaded batch of that feed overlapping the period. Each feed without
one raises a `late_feed` alert (alerts log, webhook, email). The task itself succeeds: lateness is the
partner's, not a pipeline failure. Its return value lists the late feeds.
"""


@dag(
    dag_id="late_feeds",
    description="Daily check of each feed's delivery deadline",
    schedule="0 7 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    tags=["monitoring", "alerts"],
    default_args={
        "owner": "data-engineering",
        "retries": 2,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": 2.0,
        "on_failure_callback": on_failure_callback,
    },
    doc_md=DOC,
)
def late_feeds():
    @task
    def check_deadlines() -> list[dict]:
        from outcomes.alerts import check_late_feeds

        late = check_late_feeds()
        print(f"{len(late)} late feed(s): {late}")
        return late

    check_deadlines()


late_feeds()
