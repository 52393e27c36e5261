"""Late feeds: every morning, check each contract's delivery deadline and alert on feeds that missed it."""

from __future__ import annotations

from airflow.sdk import dag, task

from config import names
from outcomes.dag_defaults import START_DATE, default_args

DOC = """\
# Checks every feed's delivery deadline each morning and alerts on late feeds and backlogs

**Runs** daily at 07:00 (Europe/London).

**Does** for every contract, take its cadence (`daily`, `weekly`, `monthly`, `quarterly`, `annual`) and
`deadline_days`, find the most recent period whose deadline (last day of the period + `deadline_days`) has
passed, and look in the load ledger for a loaded batch of that feed overlapping the period. A feed missing only
that period raises a `late_feed` alert; one missing several periods in a row (or never delivered) raises one
`feed_backlog` alert saying how many and since when, so real lateness stands out (alerts log, webhook, email).
Deadlines are judged on the data's clock: today, unless `OUTCOMES_AS_OF` names a date (the demo sets the day
after its last simulated month; a replay of history can set its own, or `data`: the day after the newest period
loaded). The task itself succeeds: lateness is the partner's, not a pipeline failure. Its return value lists
the late feeds.
"""


@dag(
    dag_id=names.LATE_FEEDS_DAG,
    description="Daily check of each feed's delivery deadline",
    schedule="0 7 * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=names.dag_tags("monitoring"),
    default_args=default_args(retry_delay_seconds=60),
    doc_md=DOC,
)
def late_feeds():
    @task
    def check_deadlines() -> list[dict]:
        from outcomes.late_feeds import check_late_feeds

        late = check_late_feeds()
        print(f"{len(late)} late feed(s): {late}")
        return late

    check_deadlines()


late_feeds()
