"""Starting and stopping the embedded Airflow with real processes: ``make up`` stopped by repeated signals to
its process group leaves nothing running and frees its ports; ``make down`` stops what a killed starter (an
interrupted demo) left behind. Slow by nature (real Airflow components), so two tests share one metadata
database and neither waits for the components to report healthy."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _free_base_port() -> int:
    for base in range(28700, 29700, 10):
        if all(_port_free(p) for p in (base, base + 1, base + 2)):
            return base
    raise RuntimeError("no free port triple")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _listening_on(port: int) -> set[str]:
    """The addresses a socket listens on for ``port`` (from /proc/net/tcp and tcp6; ``::`` or ``0.0.0.0`` is
    every interface)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                raw = bytes.fromhex(address)
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                found.add(socket.inet_ntop(socket.AF_INET if width == 8 else socket.AF_INET6, words))
    return found


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """A private working folder (`make up` migrates its metadata database) and a free port triple."""
    work = tmp_path_factory.mktemp("airflow-up")
    env = {**os.environ, "OUTCOMES_WORK_DIR": str(work), "OUTCOMES_AIRFLOW_PORT": str(_free_base_port())}
    env.pop("AIRFLOW_HOME", None)
    return env, work / "airflow" / "outcomes-local.pids.json"


def _migrated(env: dict) -> None:
    """The metadata database exists (the first test's `make up` made it; alone, this test makes it)."""
    if not (Path(env["OUTCOMES_WORK_DIR"]) / "airflow" / "airflow.db").exists():
        subprocess.run([sys.executable, "-m", "outcomes.airflow_local", "init"], env=env, check=True, timeout=300,
                       capture_output=True)


def _recorded(pid_file: Path) -> dict[str, int]:
    try:
        return json.loads(pid_file.read_text())
    except (OSError, ValueError):
        return {}


def test_make_up_stops_everything_when_signalled_again_and_again(instance, tmp_path):
    """GIVEN `make up` running (all four components started, the api-server and both log servers listening, on
    127.0.0.1 only) WHEN its process group gets SIGTERM, another SIGTERM during the shutdown, then SIGINT
    THEN it exits 0, every component's process group is gone, its ports are free and the pid file removed."""
    env, pid_file = instance
    port = int(env["OUTCOMES_AIRFLOW_PORT"])
    log = (tmp_path / "up.log").open("w")
    up = subprocess.Popen([sys.executable, "-m", "outcomes.airflow_local", "up"], env=env, stdout=log,
                          stderr=subprocess.STDOUT, start_new_session=True, cwd=REPO)
    try:
        _wait(lambda: len(_recorded(pid_file)) == 4 and not any(_port_free(p) for p in (port, port + 1, port + 2)),
              240, "the api-server and the log servers to listen")
        assert [_listening_on(p) for p in (port, port + 1, port + 2)] == [{"127.0.0.1"}] * 3
        components = _recorded(pid_file)
        signalled = time.monotonic()
        for sig in (signal.SIGTERM, signal.SIGTERM, signal.SIGINT):
            os.killpg(up.pid, sig)
            time.sleep(0.3)
        assert up.wait(timeout=120) == 0, (tmp_path / "up.log").read_text()[-2000:]
        print(f"stopped {time.monotonic() - signalled:.1f}s after the first signal")
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
    output = (tmp_path / "up.log").read_text()
    assert "already stopping" in output and "Traceback" not in output
    assert [name for name, pgid in components.items() if _group_alive(pgid)] == []
    assert all(_port_free(p) for p in (port, port + 1, port + 2))
    assert not pid_file.exists()


def test_make_down_stops_what_a_killed_demo_left_running(instance):
    """GIVEN the components started by a process that was then killed (SIGKILL: no chance to stop them)
    WHEN `make down` runs THEN it names and stops every recorded process group, and a second `make down` finds
    nothing to stop."""
    env, pid_file = instance
    _migrated(env)
    starter = subprocess.Popen(
        [sys.executable, "-c", "import time; from outcomes.airflow_local import start; start(); time.sleep(600)"],
        env=env, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: len(_recorded(pid_file)) == 4, 120, "four components to start")
    finally:
        os.killpg(starter.pid, signal.SIGKILL)
        starter.wait()
    components = _recorded(pid_file)
    assert all(_group_alive(pgid) for pgid in components.values()), "orphaned, still running"

    # -o: never rebuild the environment from here, even when the lock file is newer than its stamp
    make_down = ["make", "-s", "-o", ".venv/.installed", "down"]
    first = subprocess.run(make_down, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    second = subprocess.run(make_down, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)

    assert first.returncode == 0, first.stderr
    assert [name for name, pgid in components.items() if _group_alive(pgid)] == []
    assert all(str(pgid) in first.stdout for pgid in components.values())
    assert second.returncode == 0 and "nothing" in second.stdout


_STAND_IN = """
import signal, sys, time
from pathlib import Path
record, linger = Path(sys.argv[1]), float(sys.argv[2])
def ended(signum, frame):
    record.write_text(f"{time.time()} term\\n")
    time.sleep(linger)
    with record.open("a") as out:
        out.write(f"{time.time()} gone\\n")
    sys.exit(0)
signal.signal(signal.SIGTERM, ended if linger >= 0 else signal.SIG_IGN)
while True:
    time.sleep(0.05)
"""


def test_the_api_server_is_stopped_only_after_the_components_that_call_it(tmp_path):
    """GIVEN stand-ins for a scheduler that takes a second to stop (its tasks still report to the api-server),
    an api-server, and a triggerer that ignores SIGTERM WHEN their groups are ended with a 2-second budget
    THEN the api-server gets SIGTERM only after the scheduler is gone, the triggerer is killed at the budget, and
    no group is left when the call returns."""
    from outcomes.airflow_local.processes import _end_groups

    lingers = {"scheduler": 1.0, "api-server": 0.0, "triggerer": -1.0}
    started = {name: subprocess.Popen([sys.executable, "-c", _STAND_IN, str(tmp_path / name), str(linger)],
                                      start_new_session=True) for name, linger in lingers.items()}
    try:
        time.sleep(1.0)  # the stand-ins have set their handlers
        _end_groups({name: p.pid for name, p in started.items()}, timeout=2, children=list(started.values()))
        assert [name for name, p in started.items() if _group_alive(p.pid)] == []
    finally:
        for p in started.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
    scheduler_gone = float((tmp_path / "scheduler").read_text().split("\n")[1].split()[0])
    server_term = float((tmp_path / "api-server").read_text().split()[0])
    assert server_term >= scheduler_gone
    assert not (tmp_path / "triggerer").exists()
