"""Run one Airflow component (``python -m outcomes.airflow_local.launch scheduler``) with its log server bound
to loopback.

The scheduler and the triggerer each start a log server (Airflow's ``serve_logs``) that listens on every
interface, with no setting to change it. The embedded default is for one machine, so this launcher binds it to
``OUTCOMES_AIRFLOW_LOG_HOST`` (default ``127.0.0.1``) before handing over to Airflow's own command line; the log
server runs in a forked child and keeps the binding.
"""

from __future__ import annotations

import os
import sys
import types

LOG_HOST_ENV = "OUTCOMES_AIRFLOW_LOG_HOST"


def bind_log_server(host: str) -> None:
    """Make Airflow's ``serve_logs`` listen on ``host`` instead of every interface."""
    import airflow.utils.serve_logs.core as serve_logs_core

    uvicorn = serve_logs_core.uvicorn
    serve_logs_core.uvicorn = types.SimpleNamespace(
        run=lambda app, **kwargs: uvicorn.run(app, **{**kwargs, "host": host}))


def main() -> None:
    bind_log_server(os.environ.get(LOG_HOST_ENV, "127.0.0.1"))
    from airflow.__main__ import main as airflow_main

    sys.argv = ["airflow", *sys.argv[1:]]
    airflow_main()


if __name__ == "__main__":
    main()
