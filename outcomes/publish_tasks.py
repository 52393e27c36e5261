"""The publish DAG's tasks (dags/publication.py is only their wiring; in the orchestration layer, as
outcomes.feed_ingest is the ingest DAGs'): the gate and promotion of every partner table, with one asset event per
published table, and its two follow-ups, the partners' deliveries and the outcomes report, each left to a newer
run when one is to come (publish.followups.run_followup).

Imported by the tasks when they run, not when the DAG file is parsed: what they use (Great Expectations, dbt's docs,
Altair) is imported here on use.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass

from airflow.sdk import Asset, AssetAlias, Metadata
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from config import names
from config.settings import Settings, get_settings


def publish_tables(marts: Asset, publications: AssetAlias, params, triggering_asset_events
                   ) -> tuple[list[Metadata], list[dict]]:
    """Gate and promote every partner table (or the run's ``tables`` param): one ``publication.<table>`` event per
    published table (through the alias), and the task's summary. A failed gate fails the task at once."""
    from outcomes.quiet_logs import quiet_gx_loggers
    from publish.errors import GateFailed
    from publish.run import publish
    from transform.build_state import built_upto

    quiet_gx_loggers()  # no "Created temporary directory ..." in the task log
    batches = sorted(
        {b for e in (triggering_asset_events or {}).get(marts, []) for b in (e.extra or {}).get("batches") or []}
    )
    try:
        results = publish(tables=(params or {}).get("tables") or None, source_batch_ids=batches or None,
                          built_upto=built_upto(get_settings()))
    except GateFailed as exc:
        raise AirflowFailException(f"quality gate failed, previous publication stays live: {exc}") from exc
    events, summary = [], []
    for r in results:
        if r.status == "empty":  # its feeds have not arrived yet: no version, no event
            print(r.line())
            continue
        extra = {"table": r.table, "version": r.version, "status": r.status, "rows": r.rows, "path": str(r.path)}
        events.append(Metadata(Asset(name=names.publication_asset(r.table), group=names.PUBLICATION_GROUP), extra,
                               alias=publications))
        summary.append(asdict(r) if is_dataclass(r) else extra)
    print(f"published: {[(s['table'], s['version'], s['status']) for s in summary]}")
    return events, [{k: str(v) if k == "path" else v for k, v in s.items()} for s in summary]


def deliver_to_partners(settings: Settings) -> list[dict]:
    """Each partner's delivery from the live publications (a stricter profile re-reads the warehouse)."""
    from share.deliver import deliver_all

    results = deliver_all(settings)
    for r in results:
        print(f"{r.status} {r.partner} {r.version or ''}: {r.reason}")
    return [{"partner": r.partner, "status": r.status, "version": r.version, "reason": r.reason} for r in results]


def build_report(settings: Settings) -> str:
    """The outcomes report from the live publications; dbt's docs site again when the dbt project changed. Skipped
    while nothing it shows is published."""
    from outcomes.report.build import report_after_publication
    from outcomes.report.published import NothingPublished

    try:
        result = report_after_publication(settings)
    except NothingPublished as exc:  # e.g. a run limited to other tables before measure_values was published
        raise AirflowSkipException(str(exc)) from exc
    print(result.summary())
    return str(result.index)
