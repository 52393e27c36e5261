"""Archive retention: delivered files leave the identifiable zone's archive once they are retention days old,
counted from when the pipeline archived them; nothing outside the archive is ever touched."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ingest.archive import ARCHIVED_RECORD, archived_at, mark_archived, purge_archive
from ingest.claim import claim_files
from ingest.load import ingest_file
from ingest.zone import private_dir
from tests.ingest.ecds_rows import row, write_ecds

NOW = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)


def archived(settings, feed_id: str, batch_id: str, age: timedelta | None, files=("X.csv",)) -> Path:
    """An archive folder holding ``files``, archived ``age`` before NOW (no record when age is None)."""
    folder = private_dir(settings.archive_dir / feed_id / batch_id, settings.identifiable_dir)
    for name in files:
        (folder / name).write_text("nhs_number\n9434765919\n")
    if age is not None:
        mark_archived(folder, NOW - age)
    return folder


def folders(settings) -> set[str]:
    return {f"{p.parent.name}/{p.name}" for p in settings.archive_dir.glob("*/*")}


@pytest.fixture
def aged(settings):
    """GIVEN (30-day retention) deliveries archived 45 and 31 days ago (expired) and 29 days and 1 hour ago
    (kept), in two feeds."""
    assert settings.archive_retention_days == 30
    archived(settings, "rwp_ecds", "b_45d", timedelta(days=45), files=("RWP_ECDS_2025-01.csv",
                                                                       "RWP_ECDS_2025-01.csv.manifest.json"))
    archived(settings, "rlq_ecds", "b_31d", timedelta(days=31))
    archived(settings, "rwp_ecds", "b_29d", timedelta(days=29))
    archived(settings, "rwp_ecds", "b_1h", timedelta(hours=1))
    return settings


def test_a_dry_run_lists_what_is_expired_and_removes_nothing(aged):
    before = folders(aged)
    result = purge_archive(aged, now=NOW, dry_run=True)
    assert sorted((d.feed_id, d.batch_id, d.age_days) for d in result.expired) == [
        ("rlq_ecds", "b_31d", 31.0), ("rwp_ecds", "b_45d", 45.0)]
    (old,) = [d for d in result.expired if d.batch_id == "b_45d"]
    assert old.files == ["RWP_ECDS_2025-01.csv", "RWP_ECDS_2025-01.csv.manifest.json"] and old.size_bytes == 2 * 22
    assert result.kept == 2 and result.dry_run
    assert folders(aged) == before
    assert result.summary() == ("would remove 2 archived deliveries (66 bytes) archived 30 or more days ago "
                                "(at or before 2026-01-30T02:30 UTC); kept 2")


def test_a_run_removes_only_the_expired_and_never_the_lake(aged):
    """GIVEN also a lake batch, a ledger row and a file lying loose in a feed's archive folder
    WHEN purged THEN exactly the two expired folders are gone; everything else is byte for byte as it was."""
    lake_file = aged.raw_dir / "rwp_ecds" / "batch_id=b_45d" / "part-0.parquet"
    lake_file.parent.mkdir(parents=True)
    lake_file.write_bytes(b"PAR1 pretend")
    os.utime(lake_file, (0, 0))  # as old as can be: age by file time would expire it
    ledger = aged.ledger_dir / "b_45d.json"
    ledger.parent.mkdir(parents=True)
    ledger.write_text('{"batch_id": "b_45d"}')
    loose = aged.archive_dir / "rwp_ecds" / "NOTES.txt"
    loose.write_text("kept")
    outside = {p: p.read_bytes() for p in (lake_file, ledger, loose)}

    result = purge_archive(aged, now=NOW)

    assert sorted(d.batch_id for d in result.expired) == ["b_31d", "b_45d"] and not result.dry_run
    assert folders(aged) == {"rwp_ecds/b_29d", "rwp_ecds/b_1h", "rwp_ecds/NOTES.txt"}
    assert {p: p.read_bytes() for p in outside} == outside
    assert purge_archive(aged, now=NOW).expired == [], "a second run has nothing left to do"


def test_the_boundary_is_exactly_the_retention_age(settings):
    """GIVEN deliveries archived exactly 30 days ago and 30 days less one second ago
    WHEN purged THEN the first goes (retention reached) and the second stays; a day later, it goes too."""
    archived(settings, "rwp_ecds", "exactly", timedelta(days=30))
    archived(settings, "rwp_ecds", "just_under", timedelta(days=30) - timedelta(seconds=1))
    assert [d.batch_id for d in purge_archive(settings, now=NOW).expired] == ["exactly"]
    assert folders(settings) == {"rwp_ecds/just_under"}
    later = purge_archive(settings, now=NOW + timedelta(days=1))
    assert [d.batch_id for d in later.expired] == ["just_under"] and folders(settings) == set()


def test_the_age_comes_from_the_archive_record_not_a_file_time_a_partner_set(settings):
    """GIVEN a delivery archived an hour ago whose file times say 1970 WHEN purged THEN it is kept."""
    folder = archived(settings, "rwp_ecds", "fresh", timedelta(hours=1))
    for item in (folder, folder / "X.csv"):
        os.utime(item, (0, 0))
    result = purge_archive(settings, now=NOW)
    assert (result.expired, result.kept) == ([], 1)


def test_a_folder_without_a_record_is_dated_now_and_kept_a_full_period(settings):
    """GIVEN an archive folder with no record (archived before records were kept)
    WHEN purged THEN it is dated now and kept; a dry run only reports it; once retention passes it goes."""
    folder = archived(settings, "rwp_ecds", "legacy", None)
    dry = purge_archive(settings, now=NOW, dry_run=True)
    assert [d.batch_id for d in dry.undated] == ["legacy"] and not (folder / ARCHIVED_RECORD).exists()
    result = purge_archive(settings, now=NOW)
    assert [d.batch_id for d in result.undated] == ["legacy"] and result.expired == []
    assert archived_at(folder) == NOW
    assert purge_archive(settings, now=NOW + timedelta(days=29)).expired == []
    assert [d.batch_id for d in purge_archive(settings, now=NOW + timedelta(days=30)).expired] == ["legacy"]


def test_a_symbolic_link_in_the_archive_is_never_followed(settings):
    """GIVEN a batch 'folder' that is a symbolic link to the lake, in an archive otherwise holding one expired
    delivery WHEN purged THEN the link and the lake are untouched."""
    archived(settings, "rwp_ecds", "old", timedelta(days=40))
    target = settings.raw_dir / "rwp_ecds" / "batch_id=x"
    target.mkdir(parents=True)
    (target / "part-0.parquet").write_bytes(b"data")
    mark_archived(target, NOW - timedelta(days=400))  # even with a record that says expired
    (settings.archive_dir / "rwp_ecds" / "link").symlink_to(target, target_is_directory=True)
    result = purge_archive(settings, now=NOW)
    assert [d.batch_id for d in result.expired] == ["old"]
    assert (target / "part-0.parquet").read_bytes() == b"data"
    assert (settings.archive_dir / "rwp_ecds" / "link").is_symlink()


def test_retention_follows_the_setting(settings, monkeypatch):
    """GIVEN OUTCOMES_ARCHIVE_RETENTION_DAYS=7 WHEN purged THEN a delivery 8 days old goes, one 6 days old stays."""
    from config.settings import get_settings

    monkeypatch.setenv("OUTCOMES_ARCHIVE_RETENTION_DAYS", "7")
    week = get_settings()
    archived(week, "rwp_ecds", "eight", timedelta(days=8))
    archived(week, "rwp_ecds", "six", timedelta(days=6))
    result = purge_archive(week, now=NOW)
    assert [d.batch_id for d in result.expired] == ["eight"] and result.retention_days == 7


def test_ingest_records_when_it_archived_a_claimed_file(settings):
    """GIVEN a file claimed from landing WHEN ingested THEN its archive folder records the time of archiving,
    which is what a later purge judges it by."""
    landing = private_dir(settings.landing_dir / "RWP" / "ecds", settings.identifiable_dir)
    write_ecds(landing / "RWP_ECDS_2025-04.csv", [row(i) for i in range(3)])
    os.utime(landing / "RWP_ECDS_2025-04.csv", (0, 0))
    (claimed,) = claim_files("rwp_ecds", settings)
    before = datetime.now(UTC)
    result = ingest_file(claimed, settings=settings)
    when = archived_at(settings.archive_dir / "rwp_ecds" / result.batch_id)
    assert when is not None and before <= when <= datetime.now(UTC)
    assert purge_archive(settings, now=when + timedelta(days=30) - timedelta(microseconds=1)).expired == []
    gone = purge_archive(settings, now=when + timedelta(days=30))
    assert [(d.batch_id, d.files) for d in gone.expired] == [(result.batch_id, ["RWP_ECDS_2025-04.csv"])]
    assert list(settings.raw_dir.rglob("*.parquet")), "the lake keeps the batch"
