"""Archive retention: every night, remove delivered files archived longer ago than the retention period."""

from __future__ import annotations

from airflow.sdk import dag, task

from config import names
from outcomes.dag_defaults import START_DATE, default_args

DOC = """\
# Removes delivered files from the identifiable zone's archive once past the retention period

**Runs** daily at 02:30 (Europe/London).

**Does** remove from the identifiable zone's archive (`<identifiable>/archive/<feed_id>/<batch_id>/`) every
delivered file archived `OUTCOMES_ARCHIVE_RETENTION_DAYS` (default 30) or more days ago. The age is counted from
the time ingest archived the file (the folder's `_ARCHIVED_AT` record, written by the pipeline), never from a
file time a partner set. A folder without a record is dated now and kept a full period. Nothing outside the
archive is touched: the lake, its ledger and the warehouse keep every batch. The same step runs without Airflow
as `outcomes purge` (`--dry-run` lists what would go). Its return value lists what was removed.
"""


@dag(
    dag_id=names.PURGE_ARCHIVE_DAG,
    description="Daily removal of archived deliveries past the retention period",
    schedule="30 2 * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=names.dag_tags("retention"),
    default_args=default_args(retry_delay_seconds=60),
    doc_md=DOC,
)
def purge_archive():
    @task
    def purge() -> dict:
        from config.settings import get_settings
        from ingest.archive import purge_archive as purge_expired

        result = purge_expired(get_settings())
        print(result.summary())
        return result.to_dict()

    purge()


purge_archive()
