"""``python -m outcomes.airflow_local [up|init|down|env]`` (``make up`` runs ``up``)."""

from __future__ import annotations

import signal
import sys
import time

from config.settings import Settings, get_settings
from outcomes.airflow_local.api import wait_until_healthy
from outcomes.airflow_local.config import airflow_env, init
from outcomes.airflow_local.processes import down, start, stop


def up(settings: Settings | None = None) -> None:
    """Foreground: init, start everything, print where to look, stop everything on Ctrl-C."""
    settings = settings or get_settings()
    print(f"==> preparing Airflow in {settings.airflow_home} (and the warehouse, if this code has not built it whole)")
    init(settings)

    def _interrupt(signum, frame):  # SIGTERM/SIGHUP stop everything as Ctrl-C does
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    handle = start(settings, ui=True)
    try:
        wait_until_healthy(handle, timeout=180)
        print(
            f"\nAirflow is up: {handle.url}  (no login needed: local simple auth, everyone is admin,"
            f" bound to {airflow_env(settings)['AIRFLOW__API__HOST']})\n"
            f"  landing folders: {settings.landing_dir}/<ORG>/<feed>/  (drop files, then write _READY)\n"
            f"  logs: {settings.logs_dir}/airflow-*.log   alerts: {settings.alerts_path}\n"
            "Press Ctrl-C to stop (or run `make down` from another terminal).",
            flush=True,
        )
        while all(handle.alive().values()):
            time.sleep(1)
        print(f"a component exited: {handle.alive()}; stopping the rest", file=sys.stderr)
    except KeyboardInterrupt:
        print("\n==> stopping Airflow")
    finally:
        stop(handle)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else "up"
    if command == "up":
        up()
    elif command == "init":
        init()
    elif command == "down":
        stopped = down()
        print(f"stopped process groups {stopped}" if stopped else "nothing to stop: no embedded Airflow is running")
    elif command == "env":
        for key, value in sorted(airflow_env().items()):
            if key.startswith(("AIRFLOW", "OUTCOMES_WORK")):
                print(f"export {key}={value!r}")
    else:
        print("usage: python -m outcomes.airflow_local [up|init|down|env]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
