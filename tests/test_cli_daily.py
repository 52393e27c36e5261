"""The data engineer's daily questions on the command line: status per feed and per file, why rows were
quarantined, alerts with their times, delivering extracts, and the promises every command keeps (one-line
errors with exit code 1, help written as people type it). Small hand-made files, the CLI run in-process."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from outcomes.cli import app
from tests.ingest.ecds_rows import row, write_ecds

WITHHELD = "<withheld: personal field>"


def outcomes(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def day(settings, tmp_path):
    """GIVEN rwp_ecds: April loaded with two broken NHS Numbers and one unknown department type, May refused
    (wrong header), April again (a duplicate); and rlq_ecds: nothing."""
    from ingest.errors import FileRejected
    from ingest.load import ingest_file

    april = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(60)] + [
        row(60, nhs_number="1234567890"), row(61, nhs_number="1234567891"), row(62, department_type="99")])
    may = write_ecds(tmp_path / "RWP_ECDS_2025-05.csv", [row(i) for i in range(3)], header=["x", "y"])
    ingest_file(april, settings=settings)
    with pytest.raises(FileRejected):
        ingest_file(may, settings=settings)
    ingest_file(april, settings=settings)
    return settings


def test_status_is_one_line_per_feed_with_the_last_refusal(day):
    result = outcomes("status")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["feed", "latest", "loaded"]
    (feed,) = [line for line in lines if line.startswith("rwp_ecds")]
    cells = feed.split()
    assert cells[:8] == ["rwp_ecds", "2025-04-01", "1", "1", "60", "3", "0", "-"]
    assert "RWP_ECDS_2025-05.csv file.header, line 1: missing columns" in feed
    assert lines[2].startswith("3 files: 1 loaded, 1 refused, 1 duplicate; rows accepted 60, quarantined 3")
    assert len(lines) == 4, "header, one feed, totals, publications"


def test_status_files_is_one_line_per_delivered_file(day):
    lines = outcomes("status", "--files").output.splitlines()

    rows = [line.split()[2:5] for line in lines[1:4]]
    assert rows == [["rwp_ecds", "RWP_ECDS_2025-04.csv", "loaded"], ["rwp_ecds", "RWP_ECDS_2025-05.csv", "rejected"],
                    ["rwp_ecds", "RWP_ECDS_2025-04.csv", "duplicate"]]
    assert "file.header, line 1" in lines[2] and "same SHA-256 as batch" in lines[3]


def test_status_feed_filters_the_totals_and_an_unknown_feed_is_an_error(day):
    other = json.loads(outcomes("status", "--feed", "rlq_ecds", "--json").output)
    mine = json.loads(outcomes("status", "--feed", "rwp_ecds", "--json").output)
    unknown = outcomes("status", "--feed", "nosuch")

    assert other["totals"]["files"] == 0 and other["feeds"] == []
    assert mine["totals"]["files"] == 3 and mine["feeds"][0]["last_refusal"]["rule"] == "file.header"
    assert unknown.exit_code == 1
    assert unknown.output.startswith("error: no feed 'nosuch': the contracts declare ")
    assert len(unknown.output.strip().splitlines()) == 1


def test_quarantine_summarises_by_rule_and_withholds_personal_values(day, tmp_path):
    result = outcomes("quarantine", "--feed", "rwp_ecds", "--json")
    by_rule = {s["rule_id"]: s for s in json.loads(result.output)}

    assert set(by_rule) == {"nhs_number.nhs_number", "department_type.code"}
    nhs = by_rule["nhs_number.nhs_number"]
    assert (nhs["rows"], nhs["first_lines"], nhs["examples"]) == (2, [62, 63], [WITHHELD])
    assert by_rule["department_type.code"]["examples"] == ["99"]
    text = outcomes("quarantine", "--file", "RWP_ECDS_2025-04.csv").output
    assert "nhs_number.nhs_number: 2 rows in 1 file(s), lines 62, 63; values withheld (personal field)" in text
    assert "1234567890" not in text


def test_quarantine_names_the_file_of_the_first_lines_when_several_files_broke_a_rule(day, tmp_path):
    from ingest.load import ingest_file

    june = write_ecds(tmp_path / "RWP_ECDS_2025-06.csv", [row(100 + i) for i in range(30)] + [
        row(130, department_type="98")])
    ingest_file(june, settings=day)

    summaries = json.loads(outcomes("quarantine", "--json").output)
    (summary,) = [s for s in summaries if s["rule_id"] == "department_type.code"]
    assert (summary["rows"], summary["files"], summary["first_file"], summary["first_lines"]) == (
        2, 2, "RWP_ECDS_2025-04.csv", [64])
    assert summary["examples"] == ["98", "99"]
    assert "lines 64, ... of RWP_ECDS_2025-04.csv" in outcomes("quarantine").output


def test_quarantine_shows_the_message_of_the_first_row_when_messages_differ(settings, tmp_path):
    """A duplicate key's message names its row's first line, so each row's differs: the summary's is the first
    row's (first file by name, first line), whatever order the files were loaded in."""
    from ingest.load import ingest_file

    june = write_ecds(tmp_path / "RWP_ECDS_2025-06.csv", [row(100 + i) for i in range(60)] + [row(103), row(110)])
    april = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(60)] + [row(12), row(4)])
    for path in (june, april):
        ingest_file(path, settings=settings)

    summaries = json.loads(outcomes("quarantine", "--json").output)
    (summary,) = [s for s in summaries if s["rule_id"] == "primary_key.duplicate"]
    assert (summary["rows"], summary["first_file"], summary["first_lines"]) == (4, "RWP_ECDS_2025-04.csv", [62, 63])
    assert summary["message"] == "the primary key repeats an earlier row (first at line 14)"


def test_quarantine_writes_the_rows_to_csv_for_the_sender(day, tmp_path):
    path = tmp_path / "for_rwp.csv"
    result = outcomes("quarantine", "--file", "RWP_ECDS_2025-04.csv", "--csv", str(path))

    assert result.exit_code == 0
    rows = list(csv.DictReader(path.open()))
    assert [(r["line"], r["rule_id"], r["value"]) for r in rows] == [
        ("62", "nhs_number.nhs_number", WITHHELD), ("63", "nhs_number.nhs_number", WITHHELD),
        ("64", "department_type.code", "99")]
    assert outcomes("quarantine", "--file", "NOPE.csv").exit_code == 1


def test_alerts_show_their_time_and_name_the_file_once(settings):
    from datetime import UTC, datetime

    from outcomes.alerts import record_alert

    record_alert("task_failure", "ingest__rwp_ecds", "ingest",
                 "Refused: RWP_ECDS_2025-05.csv: RWP_ECDS_2025-05.csv: rejected by rule file.header",
                 when=datetime(2025, 6, 1, 9, 30, tzinfo=UTC), settings=settings)

    (line,) = outcomes("alerts").output.splitlines()
    assert line == ("2025-06-01 09:30:00 UTC task_failure ingest__rwp_ecds.ingest RWP_ECDS_2025-05.csv: rejected by "
                    "rule file.header")


def test_land_drops_extracts_into_landing_with_the_ready_marker(settings, tmp_path):
    source = tmp_path / "extracts"
    (source / "RWP" / "ecds").mkdir(parents=True)
    write_ecds(source / "RWP" / "ecds" / "RWP_ECDS_2025-04.csv", [row(1)])
    (source / "RWP" / "ecds" / "notes.txt").write_text("not an extract")

    result = outcomes("land", "--from", str(source))

    landing = settings.landing_dir / "RWP" / "ecds"
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in landing.iterdir()) == ["RWP_ECDS_2025-04.csv", "_READY"]
    assert outcomes("land", "--from", str(tmp_path / "none")).exit_code == 1


def test_synth_does_not_overwrite_existing_extracts_without_replace(settings):
    settings.synth_dir.mkdir(parents=True)
    (settings.synth_dir / "truth.json").write_text("{}")

    result = outcomes("synth", "--months", "1", "--scale", "0.001")

    assert result.exit_code == 1 and "--replace" in result.output
    assert (settings.synth_dir / "truth.json").read_text() == "{}"


@pytest.mark.parametrize("args", [["publish", "--table", "nosuch"], ["status", "--bogus"], ["nosuchcommand"],
                                  ["alerts", "--limit", "many"], ["run", "--table", "nosuch"]])
def test_a_bad_argument_is_one_line_and_exit_code_1(settings, args):
    result = outcomes(*args)

    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: ") and "Traceback" not in line


def test_a_group_without_a_command_shows_its_help():
    for args in ([], ["contracts"]):
        result = outcomes(*args)
        assert result.exit_code == 0 and result.output.startswith("Usage: ") and "error" not in result.output


def test_help_shows_values_as_people_write_them():
    status, ingest = outcomes("status", "--help").output, outcomes("ingest", "--help").output

    assert "--feed FEED" in status and "--json " in status and "<bool>" not in status and "<str>" not in status
    assert "PATHS..." in ingest and "<list" not in ingest and "{" not in ingest
    assert "source:raw.rwp_ecds+" in outcomes("build", "--help").output


def test_a_file_of_test_range_nhs_numbers_names_the_setting_that_allows_them(settings, tmp_path, monkeypatch):
    """GIVEN a synthetic file whose NHS Numbers are all valid but in the 999 test range WHEN it is ingested
    without OUTCOMES_ALLOW_TEST_NHS_NUMBERS THEN the refusal says so and names the setting."""
    import numpy as np

    from synth.nhs import generate_nhs_numbers

    monkeypatch.delenv("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", raising=False)
    numbers = [str(n) for n in generate_nhs_numbers(8, np.random.default_rng(1))]
    assert all(n.startswith("999") for n in numbers)
    path = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i, nhs_number=n) for i, n in enumerate(numbers)])

    result = outcomes("ingest", str(path))

    assert result.exit_code == 1
    assert "all 8 are in the NHS test range 999" in result.output
    assert "OUTCOMES_ALLOW_TEST_NHS_NUMBERS=1" in result.output


def test_library_chatter_is_filtered_from_normal_output():
    """GIVEN GX's logger set to INFO by GX itself WHEN it logs "Created temporary directory" THEN a handler with
    the filter drops it, while a GX warning and our own INFO lines pass."""
    import logging

    from outcomes.quiet_logs import LibraryNoise

    def record(name: str, level: int) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, "Created temporary directory", None, None)

    noise = LibraryNoise()
    assert not noise.filter(record("great_expectations.data_context.types.base", logging.INFO))
    assert noise.filter(record("great_expectations.core", logging.WARNING))
    assert noise.filter(record("outcomes.cli", logging.INFO))


def test_a_bad_setting_is_one_line_naming_the_variable(settings, monkeypatch):
    monkeypatch.setenv("OUTCOMES_AS_OF", "soon")

    result = outcomes("status")

    assert result.exit_code == 1
    assert result.output.strip() == "error: OUTCOMES_AS_OF must be a date (YYYY-MM-DD) or 'data': got 'soon'"
