"""The identifiable zone is owner-only: every folder the pipeline makes there is 0o700, every file 0o600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ingest.archive import ARCHIVED_RECORD
from ingest.claim import claim_files
from ingest.load import ingest_file
from ingest.zone import private_dir
from outcomes.airflow_local import drop_for_feed
from tests.ingest.ecds_rows import row, write_ecds


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def not_owner_only(root: Path) -> dict[str, str]:
    """Every folder under ``root`` (itself included) that is not 0o700 and every file that is not 0o600."""
    return {str(p): oct(mode(p)) for p in [root, *root.rglob("*")] if mode(p) != (0o700 if p.is_dir() else 0o600)}


@pytest.fixture
def open_umask():
    """GIVEN a umask that takes nothing away (a file or folder made by default would be world-readable)."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_delivered_claimed_and_archived_files_are_owner_only(settings, tmp_path, open_umask):
    """GIVEN a file and its manifest dropped into landing the way partners do, under an open umask
    WHEN the file is claimed and ingested
    THEN at every stage every folder in the zone is 0o700 and every file 0o600 (nothing else: the modes are listed)."""
    src = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(5)])
    (tmp_path / "RWP_ECDS_2025-04.csv.manifest.json").write_text('{"row_count": 5}')
    os.chmod(src, 0o644)
    zone = settings.identifiable_dir

    drop_for_feed([src], "rwp_ecds", settings)
    assert sorted(str(p.relative_to(zone)) for p in zone.rglob("*")) == [
        "landing", "landing/RWP", "landing/RWP/ecds", "landing/RWP/ecds/RWP_ECDS_2025-04.csv",
        "landing/RWP/ecds/RWP_ECDS_2025-04.csv.manifest.json", "landing/RWP/ecds/_READY"]
    assert not_owner_only(zone) == {}

    (claimed,) = claim_files("rwp_ecds", settings)
    claimed = Path(claimed)
    assert mode(claimed) == 0o600 and mode(claimed.with_name(claimed.name + ".manifest.json")) == 0o600
    assert mode(claimed.parent) == mode(settings.inbox_dir) == mode(settings.inbox_dir / "rwp_ecds") == 0o700

    result = ingest_file(claimed, settings=settings)
    assert result.status == "loaded"
    archived = settings.archive_dir / "rwp_ecds" / result.batch_id
    assert sorted(p.name for p in archived.iterdir()) == [
        "RWP_ECDS_2025-04.csv", "RWP_ECDS_2025-04.csv.manifest.json", ARCHIVED_RECORD]
    assert {p.name: mode(p) for p in archived.iterdir()} == dict.fromkeys(
        ["RWP_ECDS_2025-04.csv", "RWP_ECDS_2025-04.csv.manifest.json", ARCHIVED_RECORD], 0o600)
    assert not_owner_only(zone) == {}


def test_a_zone_folder_made_by_hand_is_narrowed_and_folders_outside_are_refused(settings, open_umask):
    """GIVEN a landing folder someone made world-readable WHEN the pipeline makes a folder below it THEN the
    landing folder is narrowed to 0o700; a folder outside the zone is refused by name, and nothing is made."""
    (settings.landing_dir / "RWP").mkdir(parents=True, mode=0o755)
    os.chmod(settings.landing_dir, 0o755)
    private_dir(settings.landing_dir / "RWP" / "ecds", settings.identifiable_dir)
    assert [mode(p) for p in (settings.identifiable_dir, settings.landing_dir, settings.landing_dir / "RWP",
                              settings.landing_dir / "RWP" / "ecds")] == [0o700] * 4

    with pytest.raises(ValueError, match="not inside the identifiable zone"):
        private_dir(settings.lake_dir / "raw", settings.identifiable_dir)
    assert not settings.lake_dir.exists()


def test_the_zone_can_live_apart_from_the_working_folder(settings, tmp_path, monkeypatch):
    """GIVEN OUTCOMES_IDENTIFIABLE_DIR on another volume WHEN a file is dropped, claimed and ingested THEN the
    delivered file is only ever under that root, and the working folder holds no landing, inbox or archive."""
    from config.settings import get_settings

    monkeypatch.setenv("OUTCOMES_IDENTIFIABLE_DIR", str(tmp_path / "restricted"))
    moved = get_settings()
    src = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(3)])
    drop_for_feed([src], "rwp_ecds", moved)
    (claimed,) = claim_files("rwp_ecds", moved)
    result = ingest_file(claimed, settings=moved)
    assert (moved.archive_dir / "rwp_ecds" / result.batch_id / src.name).is_file()
    assert moved.archive_dir.is_relative_to(tmp_path / "restricted")
    assert sorted(p.name for p in moved.work_dir.iterdir()) == ["lake"]
    assert mode(tmp_path / "restricted") == 0o700
