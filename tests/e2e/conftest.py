"""Fixtures for the end-to-end tests that run the real Airflow scheduler (``@pytest.mark.scheduler``).

One Airflow instance per test module (init + start once, about 20 s), in a temporary working folder, on a free
port chosen at run time so parallel pytest-xdist workers or a leftover instance never clash. It is always
stopped in teardown; when a test fails, the tail of each component's log is attached to its report.
"""

from __future__ import annotations

import json
import random
import socket
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings, get_settings
from outcomes import airflow_local as al

REPO = Path(__file__).resolve().parents[2]
SCHEDULER_KEY = "throwaway-scheduler-test-key-0123456789"
FEEDS = ["rwp_ecds", "rlq_ecds", "r1a_miu"]
DAG_IDS = [f"ingest__{f}" for f in FEEDS] + ["transform", "publish"]
TERMINAL = {"success", "failed"}
LOG_TAIL_LINES = 40


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_block(size: int = 3, attempts: int = 200) -> int:
    """A port p with p .. p+size-1 all free (api-server, worker log server, trigger log server)."""
    rnd = random.Random()
    for _ in range(attempts):
        port = rnd.randrange(20_000, 60_000)
        if all(_bindable(port + i) for i in range(size)):
            return port
    raise RuntimeError("no block of free ports found")


def log_tails(handle: al.Handle | None, lines: int = LOG_TAIL_LINES) -> str:
    if handle is None:
        return "(Airflow was not started)"
    out = []
    for name, path in handle.logs.items():
        try:
            tail = path.read_text(errors="replace").splitlines()[-lines:]
        except OSError as exc:
            tail = [f"(cannot read {path}: {exc})"]
        out.append(f"---- {name}: last {len(tail)} lines of {path}\n" + "\n".join(tail))
    return "\n".join(out)


@dataclass
class Scheduler:
    """A running embedded Airflow plus the working folder and synthetic files the tests use."""

    handle: al.Handle
    settings: Settings
    synth: Path
    started_s: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)

    # -- REST helpers (all bounded by urllib's timeout) --
    def get(self, path: str, **query: Any) -> Any:
        return al.api_get(self.handle, path, **query)

    def post(self, path: str, body: dict) -> Any:
        request = urllib.request.Request(self.handle.url + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())

    def runs(self, dag_id: str) -> list[dict]:
        return al.dag_runs(self.handle, dag_id)

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{urllib.request.quote(run_id, safe='')}/taskInstances",
                        limit=100)["task_instances"]

    def settled(self, timeout: float = 150) -> dict[str, list[dict]]:
        """Until no run of the test's DAGs is queued or running (bounded)."""

        def check():
            runs = {d: self.runs(d) for d in DAG_IDS}
            return runs if all(r["state"] in TERMINAL for rs in runs.values() for r in rs) else None

        return al.wait_for(check, timeout, "every ingest/transform/publish run to finish", interval=1)

    def ledger(self, names: set[str] | None = None) -> list[dict]:
        from lake.ledger import read_entries

        return [e for e in read_entries(self.settings) if names is None or e["file"] in names]

    def wait_for_ledger(self, names: set[str], since: datetime, timeout: float = 120) -> list[dict]:
        """Until every file name has a ledger row received after ``since`` (loaded, rejected or duplicate)."""

        def check():
            rows = [e for e in self.ledger(names) if e["received_at"] >= since.isoformat()]
            return rows if {e["file"] for e in rows} == names else None

        return al.wait_for(check, timeout, f"ledger rows for {sorted(names)}", interval=1)


@contextmanager
def running_airflow(work: Path, prepare: Callable[[Settings], None] = lambda settings: None
                    ) -> Iterator[tuple[al.Handle, Settings, float]]:
    """Airflow on the embedded default in ``work`` (throwaway key, test NHS range allowed, no alert
    destinations, a free port block), every DAG parsed and unpaused; ``prepare`` runs first with the settings.
    Yields (handle, settings, start-up seconds); always stops every component, and prints the logs on failure."""
    handle: al.Handle | None = None
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OUTCOMES_WORK_DIR", str(work))
        mp.setenv("OUTCOMES_PSEUDONYM_KEY", SCHEDULER_KEY)
        mp.setenv("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", "1")
        mp.delenv("OUTCOMES_ALERT_WEBHOOK", raising=False)
        mp.delenv("OUTCOMES_ALERT_EMAIL_TO", raising=False)
        settings = get_settings()
        prepare(settings)
        t0 = time.monotonic()
        try:
            al.init(settings)
            for attempt in range(3):  # a port taken between the check and the bind: pick another block
                port = free_port_block()
                mp.setenv(al.PORT_ENV, str(port))
                try:
                    handle = al.start(settings, ui=False, port=port)
                    break
                except RuntimeError:
                    if attempt == 2:
                        raise
            assert handle is not None
            al.wait_until_healthy(handle, timeout=120)
            # no wait for the triggerer to start the watchers: a ready marker already there fires at their first scan
            al.wait_for_dags(handle, DAG_IDS, timeout=120)
            yield handle, settings, time.monotonic() - t0
        except BaseException:
            print(f"\nAirflow start-up or a test failed; component logs:\n{log_tails(handle)}")
            raise
        finally:
            if handle is not None:
                al.stop(handle)
                left = [n for n, alive in handle.alive().items() if alive]
                assert not left, f"components still running after stop: {left}"


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory) -> Iterator[Scheduler]:
    """GIVEN Airflow (scheduler, dag-processor, triggerer, api-server) running on the embedded default in a fresh
    working folder, every DAG parsed and unpaused, and clean synthetic extracts (3 months of RWP ECDS, RLQ ECDS
    and R1A MIU, 20,000 people) generated beside it."""
    from synth import SynthConfig, generate

    synth_dir = tmp_path_factory.mktemp("synth")

    def prepare(settings: Settings) -> None:
        generate(SynthConfig(out_dir=synth_dir, population=20_000, months=3, start="2025-04", clean=True, seed=7,
                             feeds=FEEDS, reference_dir=REPO / "reference"))

    with running_airflow(tmp_path_factory.mktemp("airflow_work"), prepare) as (handle, settings, started_s):
        yield Scheduler(handle=handle, settings=settings, synth=synth_dir, started_s=started_s)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the tail of every Airflow component log to the report of a failed scheduler test."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and "scheduler" in getattr(item, "fixturenames", ()):
        sched = item.funcargs.get("scheduler") if hasattr(item, "funcargs") else None
        if isinstance(sched, Scheduler):
            report.sections.append(("airflow component logs (tail)", log_tails(sched.handle)))


def utcnow() -> datetime:
    return datetime.now(UTC)
