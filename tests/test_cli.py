"""The `outcomes` command line: every command has --help; exit codes and one-line reasons a person can act on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ingest.ecds_rows import row, write_ecds

OUTCOMES = str(Path(sys.executable).with_name("outcomes"))
COMMANDS = ["synth", "ingest", "build", "publish", "run", "status", "alerts", "contracts", "purge"]


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([OUTCOMES, *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = cli(command, "--help")
    assert result.returncode == 0 and "Usage" in result.stdout


def test_ingest_exit_codes_and_json(settings, tmp_path):
    """GIVEN one good and one refused file WHEN ingested together THEN exit 1, one JSON line each as each file
    finishes (the refusal first: it is refused by the file checks, before any row is read), with reasons."""
    import os

    good = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(3)])
    empty = tmp_path / "RWP_ECDS_2025-05.csv"
    empty.write_bytes(b"")
    result = cli("ingest", str(good), str(empty), "--json", env=dict(os.environ))
    assert result.returncode == 1, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["file"].rsplit("/", 1)[-1], line["status"]) for line in lines] == [
        ("RWP_ECDS_2025-05.csv", "rejected"), ("RWP_ECDS_2025-04.csv", "loaded")]
    assert lines[0]["rule"] == "file.empty" and "RWP_ECDS_2025-05.csv" in lines[0]["reason"]


def test_ingest_without_key_says_what_to_set(settings, tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if k != "OUTCOMES_PSEUDONYM_KEY"}
    good = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(1)])
    result = cli("ingest", str(good), env=env)
    assert result.returncode == 1 and "OUTCOMES_PSEUDONYM_KEY" in result.stdout + result.stderr


def test_status_on_an_empty_working_folder(settings):
    import os

    result = cli("status", "--json", env=dict(os.environ))
    assert result.returncode == 0
    assert json.loads(result.stdout)["totals"]["files"] == 0


def test_purge_dry_run_lists_then_a_run_removes_the_expired_archive(settings):
    """GIVEN a delivery archived 31 days ago and one archived today (retention 30 days)
    WHEN `outcomes purge --dry-run` then `outcomes purge` run THEN the dry run lists the old one and removes
    nothing; the run removes it and keeps the other; a bad retention setting is one line naming the variable."""
    import os
    from datetime import UTC, datetime, timedelta

    from ingest.archive import mark_archived
    from ingest.zone import private_dir

    for batch, age in (("old", timedelta(days=31)), ("new", timedelta(0))):
        folder = private_dir(settings.archive_dir / "rwp_ecds" / batch, settings.identifiable_dir)
        (folder / "RWP_ECDS_2025-01.csv").write_text("x\n")
        mark_archived(folder, datetime.now(UTC) - age)
    env = dict(os.environ)

    dry = cli("purge", "--dry-run", "--json", env=env)
    assert dry.returncode == 0, dry.stderr
    listed = json.loads(dry.stdout)
    assert (listed["dry_run"], [d["batch_id"] for d in listed["expired"]], listed["kept"]) == (True, ["old"], 1)
    assert sorted(p.name for p in (settings.archive_dir / "rwp_ecds").iterdir()) == ["new", "old"]

    done = cli("purge", env={**env, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert "removed 1 archived delivery (2 bytes)" in done.stdout and "RWP_ECDS_2025-01.csv" in done.stdout
    assert sorted(p.name for p in (settings.archive_dir / "rwp_ecds").iterdir()) == ["new"]

    bad = cli("purge", env={**env, "OUTCOMES_ARCHIVE_RETENTION_DAYS": "thirty"})
    assert bad.returncode == 1 and "OUTCOMES_ARCHIVE_RETENTION_DAYS must be a whole number" in bad.stderr
    assert "Traceback" not in bad.stderr
