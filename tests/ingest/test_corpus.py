"""A corpus of malformed deliveries, each built here from the RWP ECDS file, each with its exact outcome.

Every case is either refused as a whole (``FileRejected`` with an exact rule id, and the line / expected / found
values where they mean something) or loaded with exact counts and the exact quarantine (rule id, physical line).
Files have 40 good rows (lines 2-41) so one or two bad rows stay under the contract's 5% rejection threshold.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pytest

from config.settings import get_settings
from ingest.claim import claim_files
from ingest.errors import FileRejected
from ingest.load import ingest_file
from ingest.pseudonymise import pseudonym
from lake.ledger import read_entries
from tests.conftest import TEST_KEY
from tests.ingest.ecds_rows import HEADER, nhs_number, row, write_ecds

NAME = "RWP_ECDS_2025-04.csv"
GOOD = 40
FUTURE = f"{date.today().year + 5}-04-02"
TEST_RANGE_NHS = "9990000018"  # valid check digit, in the 999 test range


def good_rows(n: int = GOOD) -> list[dict[str, str]]:
    return [row(i) for i in range(n)]


def bad_check_digit(i: int) -> str:
    valid = nhs_number(i)
    return valid[:9] + str((int(valid[9]) + 1) % 10)


def quarantine(settings) -> list[tuple[int, str]]:
    files = list(settings.quarantine_dir.rglob("*.parquet"))
    if not files:
        return []
    return duckdb.sql(f"select line::int, rule_id from read_parquet({[str(f) for f in files]}) "
                      "order by line, rule_id").fetchall()


def raw_lines(settings) -> list[int]:
    files = list(settings.raw_dir.rglob("*.parquet"))
    if not files:
        return []
    return [r[0] for r in duckdb.sql(f"select _source_line::int from read_parquet({[str(f) for f in files]}) "
                                     "order by 1").fetchall()]


def nothing_in_lake(settings) -> bool:
    return not list(settings.raw_dir.rglob("*.parquet")) and not list(settings.quarantine_dir.rglob("*.parquet"))


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")


# ---------------------------------------------------------------------------------------------------------------
# Files that load: exact counts, exact quarantine (line, rule) and, where it matters, the raw rows' source lines.
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Loads:
    id: str
    build: Callable[[Path], Path]
    received: int
    accepted: int
    quarantined: list[tuple[int, str]]  # (line, rule id), sorted
    source_lines: list[int] | None = None  # raw _source_line values when the physical layout is the point
    warnings: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=lambda: ["2025-04-01"])

    @property
    def rejected(self) -> int:
        return len({line for line, _ in self.quarantined})


def _with(*extra: dict[str, str]) -> Callable[[Path], Path]:
    return lambda d: write_ecds(d / NAME, good_rows() + list(extra))


def _extra_column(d: Path) -> Path:
    rows = [{**r, "notes": "free text"} for r in good_rows()]
    return write_ecds(d / NAME, rows, header=HEADER + ["notes"])


def _late_file(d: Path) -> Path:
    # A file for April 2024 delivered in November 2026: far past its deadline, but lateness is the
    # orchestrator's concern (alerts), not a data error. It loads.
    rows = [row(i, arrival_datetime=f"2024-04-{i % 28 + 1:02d} 10:00:00",
                departure_datetime=f"2024-04-{i % 28 + 1:02d} 12:00:00") for i in range(GOOD)]
    return write_ecds(d / "RWP_ECDS_2024-04.csv", rows)


def _truncated_last_line(d: Path) -> Path:
    path = write_ecds(d / NAME, good_rows(GOOD + 1))
    data = path.read_bytes().rstrip(b"\r\n")
    cut = data.rfind(b"\n") + 1 + 30  # keep 30 bytes of the last record: "ATT000040,<nhs>,1970-05-1"
    path.write_bytes(data[:cut])
    return path


def _bom(d: Path) -> Path:
    path = write_ecds(d / NAME, good_rows())
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return path


def _quoted_newlines(d: Path) -> Path:
    # line 2-3: record 1 whose attendance id holds a newline; line 4-6: record 2 holding two; then 38 plain rows
    # (lines 7-44) and a row with a bad check digit on line 45.
    rows = [row(0, attendance_id="ATT\n000000"), row(1, attendance_id="ATT\r\n0000\n01")]
    rows += [row(i) for i in range(2, GOOD)] + [row(100, nhs_number=bad_check_digit(100))]
    return write_ecds(d / NAME, rows)


def _huge_field(d: Path) -> Path:
    rows = good_rows() + [row(100, discharge_destination="3" * 5_000_000)]
    return write_ecds(d / NAME, rows)


def _long_field_1_5mb(d: Path) -> Path:
    # Longer than the small parse buffer of a one-record-per-line file, shorter than the maximum line: the
    # record must parse (and fail only its code list), exactly as it would in any other file.
    rows = good_rows() + [row(100, discharge_destination="3" * 1_500_000)]
    return write_ecds(d / NAME, rows)


def _two_months(d: Path) -> Path:
    # A delivery spanning April and May: the batch covers both periods (read back, not from min = max).
    rows = good_rows(20) + [row(i, arrival_datetime=f"2025-05-{i % 28 + 1:02d} 10:00:00",
                                departure_datetime=f"2025-05-{i % 28 + 1:02d} 12:00:00") for i in range(20, GOOD)]
    return write_ecds(d / NAME, rows)


def _thousands_separator(d: Path) -> Path:
    return write_ecds(d / NAME, good_rows() + [row(100, acuity="1,234")])  # csv writer quotes it: "1,234"


def _blank_lines(d: Path) -> Path:
    path = write_ecds(d / NAME, good_rows(30) + [row(100, nhs_number=bad_check_digit(100))])
    out = path.read_bytes().split(b"\r\n")  # [header, r0..r29, bad, '']
    # a blank line after the header, two after r4, one after r29: r0-r4 on lines 3-7, r5-r29 on 10-34, bad on 36
    layout = [out[0], b"", *out[1:6], b"", b"", *out[6:31], b"", out[31], b""]
    path.write_bytes(b"\r\n".join(layout))
    return path


def _parse_error_after_quoted_newlines_and_blank_lines(d: Path) -> Path:
    # record 0 spans lines 2-3, a blank line 4, rows 1-39 on lines 5-43, then a record with 15 fields on line 44
    path = write_ecds(d / NAME, [row(0, attendance_id="ATT\n0")] + [row(i) for i in range(1, GOOD)]
                      + [row(100)])
    lines = path.read_bytes().split(b"\r\n")
    lines.insert(2, b"")
    lines[-2] += b",surplus"
    path.write_bytes(b"\r\n".join(lines))
    return path


def _trailing_delimiters(d: Path) -> Path:
    path = write_ecds(d / NAME, good_rows())
    path.write_bytes(path.read_bytes().replace(b"\r\n", b",\r\n"))
    return path


def _crlf_and_lf_mixed(d: Path) -> Path:
    path = write_ecds(d / NAME, good_rows())  # csv module writes \r\n; make every other line \n only
    parts = path.read_bytes().split(b"\r\n")
    path.write_bytes(b"".join(p + (b"\r\n" if i % 2 else b"\n") for i, p in enumerate(parts[:-1])))
    return path


def _header_in_capitals(d: Path) -> Path:
    path = write_ecds(d / NAME, good_rows())
    header, rest = path.read_bytes().split(b"\r\n", 1)
    path.write_bytes(header.upper() + b"\r\n" + rest)
    return path


CAPITALS_WARNING = "header names matched ignoring case: " + ", ".join(f"{h.upper()} -> {h}" for h in HEADER)
MIXED_WARNING = "line ends mix CRLF (20 lines) and LF (21 lines); each line was read up to its own end"


def _nhs_with_spaces(d: Path) -> Path:
    n = nhs_number(100)
    return write_ecds(d / NAME, good_rows() + [row(100, nhs_number=f"{n[:3]} {n[3:6]} {n[6:]}")])


def _too_many_fields(d: Path) -> Path:
    path = write_ecds(d / NAME, good_rows())
    lines = path.read_bytes().split(b"\r\n")
    lines[10] += b",surplus"  # line 11
    path.write_bytes(b"\r\n".join(lines))
    return path


LOADS = [
    Loads("invalid_check_digit", _with(row(100, nhs_number=bad_check_digit(100))), 41, 40,
          [(42, "nhs_number.nhs_number")]),
    Loads("dummy_nhs_numbers_all_one_digit", _with(row(100, nhs_number="0000000000"),
                                                   row(101, nhs_number="1111111111")), 42, 40,
          [(42, "nhs_number.nhs_number"), (43, "nhs_number.nhs_number")]),
    Loads("nhs_test_range_refused_by_default", _with(row(100, nhs_number=TEST_RANGE_NHS)), 41, 40,
          [(42, "nhs_number.nhs_number")]),
    Loads("nhs_number_written_with_spaces_is_normalised", _nhs_with_spaces, 41, 41, []),
    Loads("ethnicity_missing_is_allowed", _with(row(100, ethnic_category="")), 41, 41, []),
    Loads("ethnicity_unknown_code", _with(row(100, ethnic_category="9")), 41, 40,
          [(42, "ethnic_category.code_list")]),
    Loads("departure_before_arrival", _with(row(100, arrival_datetime="2025-04-03 10:00:00",
                                                departure_datetime="2025-04-03 09:59:59")), 41, 40,
          [(42, "departure_not_before_arrival")]),
    Loads("future_dates", _with(row(100, arrival_datetime=f"{FUTURE} 10:00:00",
                                    departure_datetime=f"{FUTURE} 11:00:00")), 41, 40,
          [(42, "arrival_datetime.not_future"), (42, "departure_datetime.not_future")]),
    Loads("duplicate_row_exact_copy", _with(row(7)), 41, 40, [(42, "primary_key.duplicate")]),
    Loads("duplicate_primary_key_different_values", _with(row(7, acuity="5", sex="2")), 41, 40,
          [(42, "primary_key.duplicate")]),
    Loads("unknown_site_ods_code", _with(row(100, site_code="X9Z99")), 41, 40, [(42, "site_code.code_list")]),
    Loads("malformed_site_ods_code", _with(row(100, site_code="rwp-50")), 41, 40,
          [(42, "site_code.code_list"), (42, "site_code.ods_code")]),
    Loads("missing_required_site", _with(row(100, site_code=" ")), 41, 40, [(42, "site_code.not_null")]),
    Loads("extra_column_loads_with_warning", _extra_column, 40, 40, [],
          warnings=["extra column 'notes' not in the contract was ignored"]),
    Loads("late_file_loads", _late_file, 40, 40, [], periods=["2024-04-01"]),
    Loads("rows_of_two_months", _two_months, 40, 40, [], periods=["2025-04-01", "2025-05-01"]),
    Loads("truncated_last_line", _truncated_last_line, 41, 40, [(42, "csv.missing_columns")]),
    Loads("utf8_byte_order_mark", _bom, 40, 40, [], source_lines=list(range(2, 42))),
    Loads("quoted_newlines_keep_physical_lines", _quoted_newlines, 41, 40, [(45, "nhs_number.nhs_number")],
          source_lines=[2, 4] + list(range(7, 45))),
    Loads("huge_field_5mb", _huge_field, 41, 40, [(42, "csv.line_size_over_maximum")]),
    Loads("long_field_1_5mb_parses", _long_field_1_5mb, 41, 40, [(42, "discharge_destination.code_list")]),
    Loads("thousands_separator_in_integer", _thousands_separator, 41, 40, [(42, "acuity.type")]),
    Loads("excel_serial_date", _with(row(100, arrival_datetime="45748")), 41, 40,
          [(42, "arrival_datetime.type")]),
    Loads("blank_lines_between_rows", _blank_lines, 31, 30, [(36, "nhs_number.nhs_number")],
          source_lines=[3, 4, 5, 6, 7] + list(range(10, 35))),
    Loads("parse_error_after_quoted_newlines_and_blank_lines", _parse_error_after_quoted_newlines_and_blank_lines,
          41, 40, [(44, "csv.too_many_columns")], source_lines=[2] + list(range(5, 44))),
    Loads("trailing_delimiter_on_every_line", _trailing_delimiters, 40, 40, [], source_lines=list(range(2, 42))),
    Loads("too_many_fields_on_one_line", _too_many_fields, 40, 39, [(11, "csv.too_many_columns")]),
    Loads("mixed_crlf_and_lf_line_ends", _crlf_and_lf_mixed, 40, 40, [], source_lines=list(range(2, 42)),
          warnings=[MIXED_WARNING]),
    Loads("header_in_capitals_matched_ignoring_case", _header_in_capitals, 40, 40, [],
          warnings=[CAPITALS_WARNING]),
]


@pytest.mark.parametrize("case", LOADS, ids=[c.id for c in LOADS])
def test_corpus_file_loads_with_exact_counts_and_quarantine(case: Loads, settings, tmp_path):
    """GIVEN a delivered file with one kind of defect (or none that matters)
    WHEN it is ingested
    THEN it loads with the exact received / accepted / quarantined counts, and the quarantine holds exactly the
    expected (physical line, rule id) pairs, with the ledger agreeing."""
    src = tmp_path / "in"
    src.mkdir()
    path = case.build(src)

    result = ingest_file(path, settings=settings)

    assert (result.status, result.rows_received, result.rows_accepted, result.rows_rejected) == (
        "loaded", case.received, case.accepted, case.rejected)
    assert quarantine(settings) == case.quarantined
    assert result.warnings == case.warnings
    assert result.periods == case.periods
    if case.source_lines is not None:
        assert raw_lines(settings) == case.source_lines
    (entry,) = read_entries(settings)
    assert (entry["status"], entry["rows_accepted"], entry["rows_rejected"]) == ("loaded", case.accepted,
                                                                                 case.rejected)


def test_mixed_line_ends_keep_quoted_line_breaks_and_physical_lines(settings, tmp_path):
    """GIVEN a file whose records end in CRLF and LF alternately, whose first record holds a quoted CRLF and whose
    last record has a bad check digit (line 43: the quoted break adds a line)
    WHEN it is ingested
    THEN it loads with the quoted CRLF kept as delivered, every record on its physical line, the bad row in the
    quarantine at line 43, and a warning that the line ends mix."""
    path = write_ecds(tmp_path / NAME, [row(0, attendance_id="ATT\r\n0")] + good_rows()[1:]
                      + [row(100, nhs_number=bad_check_digit(100))])
    data = path.read_bytes()
    end = data.index(b"\r\n", data.index(b'0"')) + 2  # the end of the record holding the quoted break
    lines = data[end:].split(b"\r\n")
    path.write_bytes(data[:end] + b"".join(p + (b"\n" if i % 2 else b"\r\n") for i, p in enumerate(lines[:-1])))

    result = ingest_file(path, settings=settings)

    assert (result.rows_received, result.rows_accepted, result.rows_rejected) == (41, 40, 1)
    assert quarantine(settings) == [(43, "nhs_number.nhs_number")]
    assert raw_lines(settings) == [2] + list(range(4, 43))
    files = [str(f) for f in settings.raw_dir.rglob("*.parquet")]
    assert duckdb.sql(f"select attendance_id from read_parquet({files}) where _source_line = 2").fetchall() == [
        ("ATT\r\n0",)]
    assert result.warnings == ["line ends mix CRLF (22 lines) and LF (20 lines); each line was read up to its own end"]


def test_nhs_test_range_is_accepted_when_allowed(settings, tmp_path, monkeypatch):
    """GIVEN OUTCOMES_ALLOW_TEST_NHS_NUMBERS=1 (synthetic data) and a row in the 999 test range
    WHEN ingested THEN the row loads and its person_id is the keyed pseudonym of that number."""
    monkeypatch.setenv("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", "1")
    allowing = get_settings()
    assert allowing.allow_test_nhs_numbers
    path = write_ecds(tmp_path / NAME, good_rows() + [row(100, nhs_number=TEST_RANGE_NHS)])

    result = ingest_file(path, settings=allowing)

    assert (result.rows_accepted, result.rows_rejected) == (41, 0)
    ids = duckdb.sql(f"select person_id from read_parquet('{allowing.raw_dir}/*/*/*.parquet') "
                     "where _source_line = 42").fetchall()
    assert ids == [(pseudonym(TEST_KEY.encode(), TEST_RANGE_NHS),)]


def test_resubmission_supersedes_the_earlier_batch_without_deleting_it(settings, tmp_path):
    """GIVEN April delivered, then a corrected April (_v2)
    WHEN both are ingested THEN both batches stay in the lake and the ledger shows the first superseded by the
    second (it declares the same period), and only the second is current."""
    first = ingest_file(write_ecds(tmp_path / NAME, good_rows() + [row(100, site_code="X9Z99")]),
                        settings=settings)
    second = ingest_file(write_ecds(tmp_path / "RWP_ECDS_2025-04_v2.csv", good_rows(GOOD + 1)),
                         settings=settings)

    entries = {e["batch_id"]: e for e in read_entries(settings)}
    assert (entries[first.batch_id]["superseded_by"], entries[first.batch_id]["current"]) == (
        second.batch_id, False)
    assert (entries[second.batch_id]["superseded_by"], entries[second.batch_id]["current"]) == (None, True)
    assert len(list(settings.raw_dir.glob("rwp_ecds/batch_id=*/part-0.parquet"))) == 2


# ---------------------------------------------------------------------------------------------------------------
# Files refused as a whole: exact rule, line, expected and found; nothing of them in the lake.
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Refused:
    id: str
    build: Callable[[Path], Path]
    rule: str
    line: int | None = None
    expected: str | Callable[[Path], str] | None = None
    found: str | Callable[[Path], str] | None = None
    message_has: str = ""
    ledger: bool = True  # a refusal of a file whose contract is known leaves a 'rejected' ledger row


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        (d / name).write_bytes(data)
        return d / name
    return build


def _schema_drift(d: Path) -> Path:
    header = ["ethnicity" if h == "ethnic_category" else h for h in HEADER]
    rows = [{("ethnicity" if k == "ethnic_category" else k): v for k, v in r.items()} for r in good_rows()]
    return write_ecds(d / NAME, rows, header=header)


def _windows_1252(d: Path) -> Path:
    rows = good_rows(10) + [row(100, attendance_id="ATT£100"), row(101, attendance_id="ATT-José")]
    return write_ecds(d / NAME, rows + [row(i) for i in range(10, GOOD)], encoding="windows-1252")


def _offset_of(needle: bytes) -> Callable[[Path], str]:
    def found(path: Path) -> str:
        data = path.read_bytes()
        at = data.index(needle)
        return f"byte 0x{data[at]:02x} at offset {at}"
    return found


def _non_utf8_mid_file(d: Path) -> Path:
    path = write_ecds(d / NAME, good_rows())
    lines = path.read_bytes().split(b"\n")
    lines[20] = lines[20].replace(b"ATT000019", b"ATT\xff\xfe0019")  # line 21
    path.write_bytes(b"\n".join(lines))
    return path


def _bad_byte_after_char_split_at_read_block(d: Path) -> Path:
    """A valid 2-byte character straddling the checker's 1 MiB read boundary, then a bad byte on a later line."""
    path = write_ecds(d / NAME, good_rows())
    head = path.read_bytes()
    block = 1024 * 1024
    filler_line = b"#" * 99 + b"\n"  # a run of long junk lines to reach the boundary (rows, not the point here)
    body = head + filler_line * ((block - len(head)) // len(filler_line))
    pad = block - 1 - len(body)  # place "é" (c3 a9) at offsets block-1 and block
    body += b"x" * pad + "é".encode() + b"\n" + b"ok\nbad \xff here\n"
    path.write_bytes(body)
    return path


def _bad_byte_line(path: Path) -> int:
    data = path.read_bytes()
    return data[: data.index(b"\xff")].count(b"\n") + 1


def _header_only(d: Path) -> Path:
    return write_ecds(d / NAME, [])


def _semicolons(d: Path) -> Path:
    return write_ecds(d / NAME, good_rows(), delimiter=";")


def _binary(d: Path) -> Path:
    (d / NAME).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    return d / NAME


def _manifest(row_count: int | None = None, sha256: str | None = None) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        path = write_ecds(d / NAME, good_rows())
        doc = {"row_count": GOOD if row_count is None else row_count,
               "sha256": sha256 or hashlib.sha256(path.read_bytes()).hexdigest()}
        (d / (NAME + ".manifest.json")).write_text(json.dumps(doc))
        return path
    return build


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _column_twice_ignoring_case(d: Path) -> Path:
    rows = [{**r, "ACUITY": r["acuity"]} for r in good_rows()]
    return write_ecds(d / NAME, rows, header=HEADER + ["ACUITY"])


def _bare_carriage_returns(d: Path) -> Path:
    # old Mac line ends (CR alone) after the header: not a mix of CRLF and LF, so still refused as a whole
    path = write_ecds(d / NAME, good_rows())
    header, rest = path.read_bytes().split(b"\r\n", 1)
    path.write_bytes(header + b"\r\n" + rest.replace(b"\r\n", b"\r"))
    return path


def _over_threshold(d: Path) -> Path:
    return write_ecds(d / NAME, good_rows(GOOD - 3) + [row(i, ethnic_category="9") for i in range(37, 40)])


REFUSED = [
    Refused("schema_drift_renamed_column", _schema_drift, "file.header", 1, "ethnic_category", "ethnicity"),
    Refused("windows_1252_bytes_in_utf8_contract", _windows_1252, "file.encoding", 12, "utf-8",
            _offset_of(b"\xa3")),
    Refused("non_utf8_bytes_mid_file", _non_utf8_mid_file, "file.encoding", 21, "utf-8", _offset_of(b"\xff")),
    Refused("bad_byte_after_multibyte_char_split_across_read_blocks", _bad_byte_after_char_split_at_read_block,
            "file.encoding", None, "utf-8", _offset_of(b"\xff")),
    Refused("empty_file_0_bytes", _write(NAME, b""), "file.empty", None, "a header and rows"),
    Refused("header_only", _header_only, "file.no_rows", None, "at least one row", "0 rows"),
    Refused("wrong_delimiter_semicolon", _semicolons, "file.header", 1, ", ".join(HEADER), ";".join(HEADER),
            message_has="the header splits on ';': is the delimiter wrong?"),
    Refused("binary_file_named_csv", _binary, "file.binary", None, "utf-8 text", "NUL bytes in the first 8 KiB"),
    Refused("name_matches_no_contract", _write("ZZZ_NOFEED_2025-04.csv", b"a,b\n1,2\n"), "file.name",
            message_has="RWP_ECDS_*.csv", ledger=False),
    Refused("manifest_row_count_differs", _manifest(row_count=41), "file.row_count", None, "41", "40"),
    Refused("manifest_checksum_differs", _manifest(sha256="0" * 64), "file.checksum", None, "0" * 64, _sha),
    Refused("column_named_twice_ignoring_case", _column_twice_ignoring_case, "file.header", 1, None,
            "acuity, ACUITY", message_has="a column name appears twice (ignoring case)"),
    Refused("bare_carriage_returns_still_refused", _bare_carriage_returns, "file.parse", None,
            "RFC 4180 CSV with one line-ending style throughout",
            "Invalid Input Error: The CSV Parser state machine reached an invalid state."),
    Refused("rejection_rate_over_threshold", _over_threshold, "file.rejection_rate", 39, "at most 5.0%",
            "7.5% (rule ethnic_category.code_list)"),
]


@pytest.mark.parametrize("case", REFUSED, ids=[c.id for c in REFUSED])
def test_corpus_file_is_refused_with_exact_rule(case: Refused, settings, tmp_path):
    """GIVEN a delivered file that cannot be loaded as a whole
    WHEN it is ingested
    THEN FileRejected names the exact rule (and line, expected, found where they mean something), nothing
    reaches the lake, and the ledger records the refusal."""
    src = tmp_path / "in"
    src.mkdir()
    path = case.build(src)

    with pytest.raises(FileRejected) as caught:
        ingest_file(path, settings=settings)

    exc = caught.value
    expected = case.expected(path) if callable(case.expected) else case.expected
    found = case.found(path) if callable(case.found) else case.found
    line = _bad_byte_line(path) if case.id.startswith("bad_byte_after") else case.line
    assert (exc.rule, exc.line, exc.expected) == (case.rule, line, expected)
    if found is not None or case.rule in ("file.empty", "file.name"):
        assert exc.found == found
    assert case.message_has in exc.describe()
    assert exc.file == path.name and path.name in exc.describe()
    assert nothing_in_lake(settings)
    assert not settings.staging_tmp_dir.exists() or not list(settings.staging_tmp_dir.iterdir())
    entries = read_entries(settings)
    if case.ledger:
        assert [(e["status"], e["rule"], e["line"]) for e in entries] == [("rejected", case.rule, line)]
    else:
        assert entries == []


# ---------------------------------------------------------------------------------------------------------------
# Paths that leave the folder they were delivered to.
# ---------------------------------------------------------------------------------------------------------------


def test_symlink_in_inbox_pointing_outside_is_refused(settings, tmp_path):
    """GIVEN a claimed inbox folder holding a symlink to a file outside the working folder
    WHEN it is ingested THEN it is refused by rule file.path and nothing is read or written."""
    outside = write_ecds(tmp_path / NAME, good_rows())
    claim = settings.inbox_dir / "rwp_ecds" / "abc123"
    claim.mkdir(parents=True)
    (claim / NAME).symlink_to(outside)

    with pytest.raises(FileRejected) as caught:
        ingest_file(claim / NAME, settings=settings)

    assert (caught.value.rule, caught.value.found) == ("file.path", str(claim / NAME))
    assert nothing_in_lake(settings)
    assert outside.exists()


def test_symlink_dropped_in_landing_is_refused_after_claim(settings, tmp_path):
    """GIVEN a partner drops a symlink to /outside into the landing folder
    WHEN the feed is claimed and the claimed file ingested THEN the file is refused by rule file.path."""
    outside = write_ecds(tmp_path / NAME, good_rows())
    landing = settings.landing_dir / "RWP" / "ecds"
    landing.mkdir(parents=True)
    (landing / NAME).symlink_to(outside)

    claimed = claim_files("rwp_ecds", settings)
    rules = []
    for path in claimed:
        with pytest.raises(FileRejected) as caught:
            ingest_file(path, settings=settings)
        rules.append(caught.value.rule)

    assert rules in ([], ["file.path"])  # either never claimed, or claimed and refused
    assert nothing_in_lake(settings)
    assert outside.read_bytes().startswith(b"attendance_id,")


def test_symlink_given_directly_pointing_outside_is_refused_by_name(settings, tmp_path):
    """GIVEN a symbolic link named like an ECDS delivery, outside landing and the working folder, pointing to a
    file elsewhere whose header holds a secret
    WHEN it is ingested by path (as `outcomes ingest /path/to/link.csv` does)
    THEN it is refused by rule file.path naming the link, the refusal says nothing of the target's bytes, and
    nothing is written (no ledger row: the file was never read)."""
    secret = tmp_path / "elsewhere" / "private.csv"
    secret.parent.mkdir()
    secret.write_text("SECRET_HEADER_VALUE,other\n1,2\n")
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / NAME).symlink_to(secret)

    with pytest.raises(FileRejected) as caught:
        ingest_file(drop / NAME, settings=settings)

    exc = caught.value
    assert (exc.rule, exc.file) == ("file.path", NAME)
    assert "symbolic link" in exc.describe() and "SECRET_HEADER_VALUE" not in exc.describe()
    assert nothing_in_lake(settings) and read_entries(settings) == []


def test_symlink_to_a_file_beside_it_is_followed(settings, tmp_path):
    """GIVEN a symbolic link to a delivery in the same folder WHEN ingested by the link THEN it loads."""
    write_ecds(tmp_path / "RWP_ECDS_2025-04_original.csv", good_rows())
    (tmp_path / NAME).symlink_to(tmp_path / "RWP_ECDS_2025-04_original.csv")

    result = ingest_file(tmp_path / NAME, settings=settings)

    assert (result.status, result.rows_accepted) == ("loaded", GOOD)


def test_landing_root_refuses_dot_dot_names(settings, tmp_path):
    """GIVEN a path with '..' that leaves the landing folder WHEN ingested with that landing root
    THEN it is refused by rule file.path."""
    landing = settings.landing_dir / "RWP" / "ecds"
    landing.mkdir(parents=True)
    write_ecds(settings.landing_dir / NAME, good_rows())
    with pytest.raises(FileRejected) as caught:
        ingest_file(landing / ".." / ".." / NAME, settings=settings, landing_root=landing)
    assert caught.value.rule == "file.path"
    assert os.path.exists(settings.landing_dir / NAME)
