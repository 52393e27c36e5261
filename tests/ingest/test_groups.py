"""Files of one feed checked together in groups: each file's outcome is exactly as if it were ingested alone.

GIVEN two opt-out lists (the second naming people twice) and sixteen ECDS files with everything a delivery can
go wrong with: clean months, a broken row, a repeated primary key, a header in capitals, a line with too many
fields (the parser's reject), a file over its rejection threshold, a header-only file, a quoted file (another
layout), twin bytes, a resubmission, Windows and Unix line ends side by side, a byte-order mark, a last record
without a line end, Windows and Unix line ends mixed in one file
WHEN they are ingested by one ``ingest_files`` call into one lake, and one by one with ``ingest_file`` into another
THEN every file has the same status, refusal rule and line, counts and periods in both, and the same raw rows
(pseudonyms included) and quarantine rows, and the grouped run parsed its clean files by fewer statements.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from config.settings import get_settings
from ingest import load
from ingest.errors import FileRejected
from ingest.load import ingest_file, ingest_files
from tests.conftest import TEST_KEY
from tests.ingest.ecds_rows import HEADER, row, write_ecds

LINEAGE = ("_batch_id", "_loaded_at", "batch_id")


def month(m: str, n: int, serial0: int, **overrides) -> list[dict[str, str]]:
    return [row(serial0 + i, attendance_id=f"ATT{serial0 + i:07d}", arrival_datetime=f"{m}-{i % 28 + 1:02d} 10:00:00",
                departure_datetime=f"{m}-{i % 28 + 1:02d} 12:30:00", **overrides) for i in range(n)]


def deliveries(folder) -> list:
    folder.mkdir()
    optouts = folder / "NDOP_OPTOUTS_202505.csv"
    optouts.write_text("list_date,nhs_number\n" + "".join(f"2025-05-31,{row(s)['nhs_number']}\n" for s in (3, 7, 2005)))
    repeats = folder / "NDOP_OPTOUTS_202506.csv"  # names 7 and 2005 twice: the repeats collapse
    repeats.write_text("list_date,nhs_number\n" + "".join(f"2025-06-30,{row(s)['nhs_number']}\n"
                                                          for s in (3, 7, 2005, 7, 2010, 2005)))
    paths = [write_ecds(folder / "RWP_ECDS_2025-01.csv", month("2025-01", 50, 0))]
    broken = month("2025-02", 50, 1000)
    broken[10]["acuity"] = "9"  # out of its code list
    broken[20]["attendance_id"] = broken[19]["attendance_id"]  # the primary key repeats
    paths.append(write_ecds(folder / "RWP_ECDS_2025-02.csv", broken))
    capitals = write_ecds(folder / "RWP_ECDS_2025-03.csv", month("2025-03", 40, 2000))
    header, rest = capitals.read_bytes().split(b"\r\n", 1)
    capitals.write_bytes(header.upper() + b"\r\n" + rest)  # matched ignoring case: joins the group
    paths.append(capitals)
    extra_field = write_ecds(folder / "RWP_ECDS_2025-04.csv", month("2025-04", 30, 3000))
    lines = extra_field.read_text().splitlines(keepends=True)
    lines[5] = lines[5].rstrip("\n") + ",surplus\n"  # too many fields: a parse reject on line 6
    extra_field.write_text("".join(lines))
    paths.append(extra_field)
    paths.append(write_ecds(folder / "RWP_ECDS_2025-05.csv", month("2025-05", 20, 4000, acuity="x")))  # all broken
    paths.append(write_ecds(folder / "RWP_ECDS_2025-06.csv", []))  # header only
    quoted = write_ecds(folder / "RWP_ECDS_2025-07.csv", month("2025-07", 25, 5000))
    quoted.write_text(quoted.read_text().replace("RWP50", '"RWP50"'))  # quotes: a layout of its own
    paths.append(quoted)
    paths.append(write_ecds(folder / "RWP_ECDS_2025-08.csv", month("2025-08", 35, 6000)))
    twin = folder / "RWP_ECDS_2025-08_v1.csv"
    shutil.copyfile(paths[-1], twin)  # the same bytes again: a duplicate
    paths.append(twin)
    paths.append(write_ecds(folder / "RWP_ECDS_2025-01_v2.csv", month("2025-01", 45, 0)))  # resubmits January
    paths.append(write_ecds(folder / "RWP_ECDS_2025-09.csv", month("2025-09", 30, 7000),
                            header=[h for h in reversed(HEADER)]))  # another column order: another group
    crlf = write_ecds(folder / "RWP_ECDS_2025-10.csv", month("2025-10", 30, 8000))
    crlf.write_bytes(crlf.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))  # Windows line ends
    bom = write_ecds(folder / "RWP_ECDS_2025-11.csv", month("2025-11", 30, 9000))
    bom.write_bytes(b"\xef\xbb\xbf" + bom.read_bytes().replace(b"\r\n", b"\n"))  # byte-order mark, Unix ends
    unterminated = write_ecds(folder / "RWP_ECDS_2025-12.csv", month("2025-12", 30, 9500))
    unterminated.write_bytes(unterminated.read_bytes().rstrip(b"\r\n"))  # no line end after the last record
    mixed = write_ecds(folder / "RWP_ECDS_2026-01.csv", month("2026-01", 30, 9800))
    lines = mixed.read_bytes().split(b"\r\n")[:-1]
    mixed.write_bytes(b"".join(line + (b"\n" if i % 3 else b"\r\n") for i, line in enumerate(lines)))
    paths += [crlf, bom, unterminated, mixed]
    return [optouts, repeats, *paths]


def outcome_of(outcome) -> tuple:
    if isinstance(outcome, FileRejected):
        return ("rejected", outcome.rule, outcome.line, getattr(outcome, "rows_received", None))
    return (outcome.status, outcome.rows_received, outcome.rows_accepted, outcome.rows_rejected,
            outcome.rows_opted_out, outcome.rows_collapsed, tuple(outcome.periods), outcome.period_end,
            tuple(outcome.warnings))


def lake_rows(settings, kind: str) -> dict[str, list[tuple]]:
    """Rows per source file, lineage that differs by run (batch id, load time) left out."""
    folder = settings.raw_dir if kind == "raw" else settings.quarantine_dir
    if not list(folder.rglob("*.parquet")):
        return {}
    con = duckdb.connect()
    rel = con.sql(f"select * from read_parquet('{folder}/*/*/*.parquet', union_by_name=true, "
                  "hive_partitioning=false)")
    names = [c for c in rel.columns if c not in LINEAGE]
    key = "_source_file" if kind == "raw" else "file"
    out: dict[str, list[tuple]] = {}
    for values in rel.select(", ".join(f'"{c}"' for c in names)).order("all").fetchall():
        out.setdefault(values[names.index(key)], []).append(values)
    return out


@pytest.fixture
def two_lakes(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTCOMES_PSEUDONYM_KEY", TEST_KEY)
    lakes = []
    for name in ("grouped", "alone"):
        monkeypatch.setenv("OUTCOMES_WORK_DIR", str(tmp_path / name))
        lakes.append(get_settings())
    return lakes


def test_grouped_ingest_gives_every_file_the_outcome_it_has_alone(two_lakes, tmp_path, monkeypatch):
    grouped, alone = two_lakes
    paths = deliveries(tmp_path / "in")
    groups = []
    real = load.check_and_write
    monkeypatch.setattr(load, "check_and_write", lambda g, *a: groups.append([d.name for d in g]) or real(g, *a))

    together = ingest_files(paths, settings=grouped)
    groups_together = list(groups)

    one_by_one = []
    for path in paths:
        try:
            one_by_one.append(ingest_file(path, settings=alone))
        except FileRejected as exc:
            one_by_one.append(exc)
    assert [outcome_of(o) for o in together] == [outcome_of(o) for o in one_by_one]
    assert lake_rows(grouped, "raw") == lake_rows(alone, "raw")
    assert lake_rows(grouped, "quarantine") == lake_rows(alone, "quarantine")
    summary = {p.name: outcome_of(o)[:2] for p, o in zip(paths, together, strict=True)}
    assert summary["RWP_ECDS_2025-02.csv"][0] == "loaded" and summary["RWP_ECDS_2025-08_v1.csv"][0] == "duplicate"
    assert summary["RWP_ECDS_2025-05.csv"] == ("rejected", "file.rejection_rate")
    assert summary["RWP_ECDS_2025-06.csv"] == ("rejected", "file.no_rows")
    assert summary["NDOP_OPTOUTS_202506.csv"] == ("loaded", 6) and together[1].rows_collapsed == 2
    assert together[4].warnings[0].startswith("header names matched ignoring case: ATTENDANCE_ID -> attendance_id")
    assert together[-1].warnings == ["line ends mix CRLF (11 lines) and LF (20 lines); each line was read up to "
                                     "its own end"]
    # the opt-out lists first; files of one layout shared a parse; the one with a parse reject was read again
    # alone; the quoted file and the one with its columns reordered were read alone; the parser gave up on the
    # group holding the file with mixed line ends, so each of its files was read again alone
    assert groups_together == [["NDOP_OPTOUTS_202505.csv", "NDOP_OPTOUTS_202506.csv"],
                               [f"RWP_ECDS_2025-0{m}.csv" for m in range(1, 7)],
                               ["RWP_ECDS_2025-04.csv"], ["RWP_ECDS_2025-07.csv"],
                               ["RWP_ECDS_2025-08.csv", "RWP_ECDS_2025-08_v1.csv", "RWP_ECDS_2025-01_v2.csv"],
                               ["RWP_ECDS_2025-09.csv"],
                               ["RWP_ECDS_2025-10.csv", "RWP_ECDS_2025-11.csv", "RWP_ECDS_2025-12.csv",
                                "RWP_ECDS_2026-01.csv"],
                               ["RWP_ECDS_2025-10.csv"], ["RWP_ECDS_2025-11.csv"], ["RWP_ECDS_2025-12.csv"],
                               ["RWP_ECDS_2026-01.csv"]]


def test_a_group_that_fails_as_a_whole_is_done_again_file_by_file(two_lakes, tmp_path, monkeypatch):
    """WHEN the grouped check raises (as DuckDB does when it gives up on one file of a group)
    THEN each file is checked alone and loads as it would have."""
    grouped, _ = two_lakes
    paths = [write_ecds(tmp_path / f"RWP_ECDS_2025-0{m}.csv", month(f"2025-0{m}", 20, m * 100)) for m in (1, 2, 3)]
    real = load.check_and_write

    def flaky(group, *args):
        if len(group) > 1:
            raise RuntimeError("simulated failure of the grouped statement")
        return real(group, *args)

    monkeypatch.setattr(load, "check_and_write", flaky)
    outcomes = ingest_files(paths, settings=grouped)
    assert [(o.status, o.rows_accepted) for o in outcomes] == [("loaded", 20)] * 3
    assert not list(grouped.staging_tmp_dir.iterdir())


def test_a_group_whose_first_file_is_refused_still_writes_the_others(two_lakes, tmp_path):
    """GIVEN a group whose first file has no rows and whose last is over its rejection threshold (the group's
    batches are written under its first file's incoming folder) WHEN ingested together
    THEN the middle file's batch and quarantine are in the lake, the others are refused, nothing is left over."""
    grouped, _ = two_lakes
    broken = month("2025-02", 40, 100)
    broken[3]["acuity"] = "9"
    paths = [write_ecds(tmp_path / "RWP_ECDS_2025-01.csv", []), write_ecds(tmp_path / "RWP_ECDS_2025-02.csv", broken),
             write_ecds(tmp_path / "RWP_ECDS_2025-03.csv", month("2025-03", 30, 200, acuity="x"))]

    first, middle, last = ingest_files(paths, settings=grouped)

    assert (first.rule, last.rule) == ("file.no_rows", "file.rejection_rate")
    assert (middle.status, middle.rows_accepted, middle.rows_rejected) == ("loaded", 39, 1)
    assert lake_rows(grouped, "quarantine").keys() == {"RWP_ECDS_2025-02.csv"}
    assert [len(rows) for rows in lake_rows(grouped, "raw").values()] == [39]
    assert not list(grouped.staging_tmp_dir.iterdir())
