"""The truth file and the files agree: every injected defect is where truth.json says, and nothing else is."""

from __future__ import annotations

from collections import Counter

import nhs_number
import pandas as pd
from conftest import SMALL, contract_of, feed_files

from ingest.redact import redact
from synth import SynthConfig, generate
from synth.config import DEFAULT_DEFECT_RATES
from synth.file_defects import PLAN

FILE_KINDS = set(PLAN)


def _frame(report, truth, contracts, read, rel: str) -> tuple[pd.DataFrame, object]:
    path = report.out_dir / rel
    c = contract_of(contracts, path)
    is_1252 = any(d["kind"] == "windows_1252" and d["file"] == rel for d in truth["defects"])
    return read(path, c, "windows-1252" if is_1252 else None), c


def test_default_run_holds_every_defect_kind(default_run):
    """GIVEN a default run of every feed
    WHEN the truth file's defects are counted by kind
    THEN every row-level and file-level kind appears at least once."""
    _, truth = default_run
    kinds = Counter(d["kind"] for d in truth["defects"])
    assert set(DEFAULT_DEFECT_RATES) | FILE_KINDS <= set(kinds), kinds
    assert truth["defect_counts"] == dict(sorted(kinds.items()))


def test_nhs_numbers_valid_except_the_injected_ones(default_run, contracts, read):
    """GIVEN every file with an NHS Number column
    WHEN each value is checked with the nhs-number package (modulus 11)
    THEN the invalid ones are exactly the (file, line) pairs truth.json lists as invalid check digits."""
    report, truth = default_run
    expected = {(d["file"], d["line"]) for d in truth["defects"] if d["kind"] == "nhs_number_invalid_check_digit"}
    found = set()
    checked = 0
    for path in report.files:
        rel = str(path.relative_to(report.out_dir))
        df, c = _frame(report, truth, contracts, read, rel)
        if "nhs_number" not in df.columns:
            continue
        values = df["nhs_number"]
        valid = {v: nhs_number.is_valid(v) for v in set(values) - {""}}
        checked += len(valid)
        invalid = {v for v, ok in valid.items() if not ok}
        for i in values.index[values.isin(invalid)]:
            found.add((rel, int(i) + 2))
    assert checked > 10_000
    assert expected and found == expected


def test_each_listed_defect_is_at_its_line(default_run, contracts, read):
    """GIVEN the row-level defects in truth.json
    WHEN the file is read and the listed line inspected
    THEN the value there is the injected one and breaks the rule the defect names (wrong check digit, empty or
    unknown ethnicity, unknown code, end before start, future date, exact copy of the line before, an identifier
    added to a comment that ingest's redaction finds under the recorded kind)."""
    report, truth = default_run
    now = pd.Timestamp.now()
    checked = Counter()
    for d in truth["defects"]:
        if d["kind"] in FILE_KINDS:
            continue
        df, c = _frame(report, truth, contracts, read, d["file"])
        row = df.iloc[d["line"] - 2]
        kind = d["kind"]
        if kind == "duplicate_row":
            source = int(d["detail"].rsplit(" ", 1)[1])
            assert source == d["line"] - 1
            assert row.tolist() == df.iloc[source - 2].tolist()
        elif kind == "ethnicity_missing":
            assert row[d["column"]] == "" and d["original"] != ""
        elif kind in ("nhs_number_invalid_check_digit", "ethnicity_unknown_code", "unknown_ods_code",
                      "unknown_specialty_code"):
            assert row[d["column"]] == d["injected"] != d["original"]
            if kind == "nhs_number_invalid_check_digit":
                assert not nhs_number.is_valid(row[d["column"]])
                assert row[d["column"]][:9] == d["original"][:9]
        elif kind == "identifier_in_free_text":
            assert row[d["column"]] == d["injected"] and d["injected"].startswith(d["original"])
            assert redact(d["injected"])[1] == {d["detail"]: 1}
        elif kind in ("end_before_start", "future_date"):
            col = c.column(d["column"])
            fmt = c.file.timestamp_format if col.type == "timestamp" else c.file.date_format
            value = row[d["column"]]
            value = pd.Timestamp(value) if c.file.format == "xlsx" else pd.to_datetime(value, format=fmt)
            injected = pd.Timestamp(d["injected"])
            assert abs(value - injected) < pd.Timedelta(minutes=1), (d, value)
            if kind == "future_date":
                assert value > now
            else:
                rule = next(r for r in c.rules if d["column"] in r.columns)
                end, start = [x.strip() for x in rule.sql.split(">=")]
                assert _when(row[end], end, c) < _when(row[start], start, c)
        checked[kind] += 1
    assert set(checked) == set(DEFAULT_DEFECT_RATES)


def _when(value, column: str, c) -> pd.Timestamp:
    if c.file.format == "xlsx":
        return pd.Timestamp(value)
    fmt = c.file.timestamp_format if c.column(column).type == "timestamp" else c.file.date_format
    return pd.to_datetime(value, format=fmt)


def test_file_level_defects(default_run, contracts, read):
    """GIVEN the file-level defects in truth.json
    WHEN each file is inspected
    THEN the empty file has zero bytes; the drifted file's header has the renamed column; the Windows-1252 file
    is not valid UTF-8 but decodes as Windows-1252 with a pound sign or accented letters on the listed line;
    the late file was delivered after its deadline; the resubmission matches the pattern and supersedes a file
    of the same period."""
    report, truth = default_run
    by_kind = {d["kind"]: d for d in truth["defects"] if d["kind"] in FILE_KINDS}
    deliveries = {d["file"]: d for d in truth["deliveries"]}
    assert (report.out_dir / by_kind["empty_file"]["file"]).stat().st_size == 0
    drift = by_kind["schema_drift"]
    df, c = _frame(report, truth, contracts, read, drift["file"])
    assert drift["injected"] in df.columns and drift["column"] not in df.columns
    enc = by_kind["windows_1252"]
    raw = (report.out_dir / enc["file"]).read_bytes()
    try:
        raw.decode("utf-8")
        raise AssertionError("the Windows-1252 file decodes as UTF-8")
    except UnicodeDecodeError:
        pass
    line = raw.decode("windows-1252").split("\n")[enc["line"] - 1]
    assert any(ch in line for ch in "£éëúñÑÚÉ"), line
    late = deliveries[by_kind["late_file"]["file"]]
    assert late["delivered_at"][:10] > late["due_by"]
    assert all(d["delivered_at"][:10] <= d["due_by"] for f, d in deliveries.items()
               if f != late["file"] and "supersedes" not in d)
    resub = by_kind["resubmission"]
    sup = deliveries[resub["file"]]["supersedes"]
    assert deliveries[sup]["period_start"] == deliveries[resub["file"]]["period_start"]
    c = contract_of(contracts, report.out_dir / resub["file"])
    assert c.matches(resub["file"].rsplit("/", 1)[1])
    original, _ = _frame(report, truth, contracts, read, sup)
    corrected, _ = _frame(report, truth, contracts, read, resub["file"])
    assert len(corrected) < len(original) or not corrected.equals(original)
    assert not corrected.duplicated().any()


def test_truth_lists_only_files_that_exist(default_run):
    """GIVEN the truth file
    WHEN its defect and delivery entries are compared with the report
    THEN every file it names was written, and every written file has exactly one delivery entry."""
    report, truth = default_run
    written = {str(p.relative_to(report.out_dir)) for p in report.files}
    assert {d["file"] for d in truth["defects"]} <= written
    assert sorted(d["file"] for d in truth["deliveries"]) == sorted(written)
    assert sum(d["rows"] for d in truth["deliveries"]) == sum(report.rows_by_feed.values())


def test_feed_files_helper_sees_every_file(default_run, contracts):
    """GIVEN the default run
    WHEN files are grouped by contract
    THEN every written file belongs to exactly one feed."""
    report, _ = default_run
    assert sum(len(feed_files(report, c)) for c in contracts.values()) == len(report.files)


def test_whole_run_is_deterministic(default_run, tmp_path):
    """GIVEN the session's default run (every feed, CSV and XLSX, with defects)
    WHEN the same configuration is generated again into another folder
    THEN every file, its modification time and the truth file are identical."""
    report, _ = default_run
    again = generate(SynthConfig(out_dir=tmp_path, **SMALL))
    rel = {str(p.relative_to(report.out_dir)): p for p in report.files}
    rel_again = {str(p.relative_to(tmp_path)): p for p in again.files}
    assert rel.keys() == rel_again.keys()
    for name, path in rel.items():
        assert path.read_bytes() == rel_again[name].read_bytes(), name
        assert path.stat().st_mtime == rel_again[name].stat().st_mtime, name
    assert report.truth_path.read_bytes() == again.truth_path.read_bytes()
