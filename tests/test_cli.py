"""The `outcomes` command line: every command has --help; exit codes and one-line reasons a person can act on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ingest.ecds_rows import row, write_ecds

OUTCOMES = str(Path(sys.executable).with_name("outcomes"))
COMMANDS = ["synth", "land", "ingest", "build", "gate", "publish", "run", "status", "quarantine", "alerts",
            "contracts", "purge", "deliver", "serve", "tokens", "sql", "report"]


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


def _truncated_workbook(folder: Path) -> Path:
    from tests.ingest.reablement_rows import episode, write_workbook

    path = write_workbook(folder / "HC_Reablement_2025-04.xlsx", [episode(i) for i in range(5)])
    path.write_bytes(path.read_bytes()[:2000])
    return path


def _csv_named_xlsx(folder: Path) -> Path:
    path = folder / "HC_Reablement_2025-05.xlsx"
    path.write_text("episode_id,nhs_number\nEP1,9434765919\n")
    return path


def _link_outside(folder: Path) -> Path:
    secret = folder / "elsewhere" / "private.csv"
    secret.parent.mkdir()
    secret.write_text("SECRET_HEADER_VALUE,other\n1,2\n")
    (folder / "drop").mkdir()
    link = folder / "drop" / "RWP_ECDS_2025-04.csv"
    link.symlink_to(secret)
    return link


@pytest.mark.parametrize(("build", "rule"), [(_truncated_workbook, "file.format"), (_csv_named_xlsx, "file.format"),
                                             (_link_outside, "file.path")],
                         ids=["truncated_workbook", "csv_bytes_named_xlsx", "symlink_outside"])
def test_ingest_refuses_a_broken_delivery_in_one_line_without_traceback(settings, tmp_path, build, rule):
    """GIVEN a truncated workbook, CSV bytes named .xlsx, or a symbolic link to a file outside the project
    WHEN `outcomes ingest` is given it
    THEN it exits 1 with one line naming the file and the rule, no traceback, and nothing of a link's target."""
    import os

    path = build(tmp_path)
    result = cli("ingest", str(path), env=dict(os.environ))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout and "SECRET" not in result.stdout + result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.strip()]
    assert line.startswith("refused") and path.name in line and f"rule {rule}" in line


def test_ingest_reports_an_unexpected_fault_in_one_line(settings, tmp_path):
    """GIVEN a contract whose code list is not a CSV file (a fault of the deployment, not of the delivery)
    WHEN `outcomes ingest` is given a good file of that feed
    THEN it exits 1 with one line naming the file and the fault, and no traceback (-v logs it)."""
    import os
    import shutil

    contracts = tmp_path / "contracts"
    shutil.copytree(Path(__file__).resolve().parent.parent / "contracts", contracts)
    (contracts / "reference" / "ethnic_categories.csv").write_bytes(b"code\n\"never closed\n" + b"\xff\x00" * 64)
    good = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(3)])

    result = cli("ingest", str(good), env={**os.environ, "OUTCOMES_CONTRACTS_DIR": str(contracts)})

    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    (line,) = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert line.startswith("error") and "RWP_ECDS_2025-04.csv" in line


def test_a_refused_opt_out_list_shows_in_outcomes_alerts(settings, tmp_path, monkeypatch):
    """GIVEN `outcomes ingest` refuses an opt-out list (empty file) while none is in force
    WHEN `outcomes alerts` runs
    THEN it prints the alert in one line: when, kind and the reason naming the file and that no list is in force."""
    import os

    for var in ("OUTCOMES_ALERT_WEBHOOK", "OUTCOMES_ALERT_EMAIL_TO", "OUTCOMES_SMTP_HOST"):
        monkeypatch.delenv(var, raising=False)
    empty = tmp_path / "NDOP_OPTOUTS_202504.csv"
    empty.write_bytes(b"")
    assert cli("ingest", str(empty), env=dict(os.environ)).returncode == 1

    result = cli("alerts", env=dict(os.environ))

    assert result.returncode == 0
    (line,) = result.stdout.splitlines()
    day, time, zone, kind, reason = line.split(" ", 4)
    assert day[:4].isdigit() and time[:2].isdigit() and zone == "UTC" and kind == "optout_list_refused"
    assert reason.startswith("opt-out list refused: NDOP_OPTOUTS_202504.csv: rejected by rule file.empty")
    assert "no opt-out list is in force" in reason and "None" not in line
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


def test_build_unless_current_builds_a_new_warehouse_whole_and_then_nothing(settings):
    """GIVEN an empty working folder (no warehouse)
    WHEN `outcomes build --unless-current` runs twice (a deployment's start, twice)
    THEN the first builds everything (the warehouse counts as built whole by this code), the second builds nothing
    and says so (dbt's results of the first are untouched), and with --select it refuses in one line."""
    import os

    from transform.build import results_path
    from transform.build_state import built_whole

    first = cli("build", "--unless-current", env=dict(os.environ))
    assert first.returncode == 0, first.stderr
    assert "dbt build:" in first.stdout and built_whole(settings)
    results = results_path(settings).stat().st_mtime_ns

    second = cli("build", "--unless-current", env=dict(os.environ))
    assert second.returncode == 0, second.stderr
    assert "nothing to build" in second.stdout and results_path(settings).stat().st_mtime_ns == results

    both = cli("build", "--unless-current", "--select", "source:raw.rwp_ecds+", env=dict(os.environ))
    assert both.returncode == 1 and "takes no --select" in both.stderr
