"""The pull DAGs' wait: look at the source once, and if nothing is there, defer on a timer.

Between looks the task holds no worker slot (it is deferred; the triggerer only keeps a timer), and each look runs
on a worker, where the Airflow connection is at hand. A reschedule-mode sensor would do the same, but Airflow 3.3
intermittently fails a reschedule-mode sensor when the executor's success for one poke reaches the scheduler after
the next poke was scheduled (apache/airflow#71172, fix open in #71194): seen here under load, it spent the
sensor's retries. The defer path has the guards for that race.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.providers.standard.triggers.temporal import DateTimeTrigger
from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException, AirflowSensorTimeout


class SourceFilesSensor(BaseOperator):
    """Done (returning the file names) when the feed's source has at least one file for it; fails with
    AirflowSensorTimeout after ``timeout_seconds`` of looking, and at once on a misconfigured source."""

    ui_color = "#e8f0fb"

    def __init__(self, *, feed_id: str, poke_seconds: float, timeout_seconds: float, **kwargs: Any):
        super().__init__(**kwargs)
        self.feed_id, self.poke_seconds, self.timeout_seconds = feed_id, poke_seconds, timeout_seconds

    def execute(self, context: Any, event: Any = None, first_look: str | None = None) -> list[str]:
        from outcomes.feed_pull import waiting_files
        from pull.errors import SourceMisconfigured

        now = datetime.now(UTC)
        first = datetime.fromisoformat(first_look) if first_look else now
        try:
            found = waiting_files(self.feed_id)
        except SourceMisconfigured as exc:  # retrying cannot help
            raise AirflowFailException(str(exc)) from exc
        if found:
            self.log.info("%s: %d file(s) waiting at the source: %s", self.feed_id, len(found), found)
            return found
        if (now - first).total_seconds() >= self.timeout_seconds:
            raise AirflowSensorTimeout(f"feed {self.feed_id}: nothing arrived at the source in "
                                       f"{self.timeout_seconds / 86_400:.1f} days of looking")
        self.defer(trigger=DateTimeTrigger(moment=now + timedelta(seconds=self.poke_seconds)),
                   method_name="execute", kwargs={"first_look": first.isoformat()})
