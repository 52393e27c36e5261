"""Defaults every DAG shares: owner, retries with exponential backoff, the failure alert, the start date."""

from __future__ import annotations

from datetime import timedelta

import pendulum

START_DATE = pendulum.datetime(2025, 1, 1, tz="Europe/London")
OWNER = "data-engineering"


def default_args(retry_delay_seconds: int = 30) -> dict:
    """Transient errors retry twice with backoff; data errors raise AirflowFailException and never retry."""
    from outcomes.alerts import on_failure_callback

    return {
        "owner": OWNER,
        "retries": 2,
        "retry_delay": timedelta(seconds=retry_delay_seconds),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=10),
        "on_failure_callback": on_failure_callback,
    }
