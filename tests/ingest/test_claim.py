"""Claims in the inbox: a run killed after claiming leaves its files stranded; the next claim re-takes them in
place, exactly once, and never a claim a live run still holds."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import threading

from ingest.claim import CLAIM_LOCK, _making_claims, claim_files, holding_claims, reading, take_claims
from ingest.load import ingest_files
from lake.ledger import read_entries
from tests.conftest import TEST_KEY
from tests.ingest.ecds_rows import row, write_ecds

FEED = "rwp_ecds"
KILLED_AFTER_CLAIMING = """
import os, signal
from ingest.claim import take_claims
from config.settings import get_settings
take_claims("rwp_ecds", get_settings())
os.kill(os.getpid(), signal.SIGKILL)
"""
KILLED_WHILE_MAKING_THE_CLAIM = """
import os, signal
from ingest import claim
from config.settings import get_settings
claim.os.rename = lambda *args: os.kill(os.getpid(), signal.SIGKILL)  # the first rename: the claim folder's own
claim.take_claims("rwp_ecds", get_settings())
"""


def landing(settings):
    folder = settings.landing_dir / "RWP" / "ecds"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def deliver(settings, month: str, n: int = 3, first: int = 0):
    return write_ecds(landing(settings) / f"RWP_ECDS_{month}.csv",
                      [row(first + i, arrival_datetime=f"{month}-0{i + 1} 10:00:00",
                           departure_datetime=f"{month}-0{i + 1} 11:00:00") for i in range(n)])


def claim_in_a_process_that_is_killed(settings, script: str = KILLED_AFTER_CLAIMING) -> None:
    env = {**os.environ, "OUTCOMES_WORK_DIR": str(settings.work_dir), "OUTCOMES_PSEUDONYM_KEY": TEST_KEY}
    proc = subprocess.run([sys.executable, "-c", script], env=env, check=False)
    assert proc.returncode == -signal.SIGKILL


def inbox_files(settings) -> list[str]:
    return sorted(str(p.relative_to(settings.inbox_dir)) for p in settings.inbox_dir.rglob("*") if p.is_file())


def test_files_claimed_by_a_killed_run_are_re_taken_in_place_before_new_ones(settings):
    """GIVEN April claimed by a run that was SIGKILLed before ingesting it, and May delivered after
    WHEN the next run takes its claims
    THEN April is re-taken in its own claim folder (marked re-taken), May claimed in a new one after it,
    and once both are ingested and the claims released the inbox is empty."""
    deliver(settings, "2025-04")
    claim_in_a_process_that_is_killed(settings)
    (stranded,) = (settings.inbox_dir / FEED).iterdir()
    deliver(settings, "2025-05", first=10)

    with holding_claims([FEED], settings) as claims:
        assert [(c.folder, [p.name for p in c.files], c.retaken) for c in claims[:1]] == [
            (stranded, ["RWP_ECDS_2025-04.csv"], True)]
        assert [([p.name for p in c.files], c.retaken) for c in claims[1:]] == [(["RWP_ECDS_2025-05.csv"], False)]
        outcomes = ingest_files([p for c in claims for p in c.files], settings=settings)

    assert [o.status for o in outcomes] == ["loaded", "loaded"]
    assert inbox_files(settings) == [] and list((settings.inbox_dir / FEED).iterdir()) == []


def test_a_claim_held_by_a_live_run_is_not_re_taken(settings):
    """GIVEN a run holding its claim of April (still working on it)
    WHEN another run claims the feed THEN it gets nothing; AND WHEN the first run dies without releasing it
    (its lock dropped) THEN the next claim re-takes April."""
    deliver(settings, "2025-04")
    (held,) = take_claims(FEED, settings)

    assert take_claims(FEED, settings) == []

    held._lock.close()  # what the kernel does when the holding process dies
    (again,) = take_claims(FEED, settings)
    assert (again.folder, again.retaken, [p.name for p in again.files]) == (
        held.folder, True, ["RWP_ECDS_2025-04.csv"])
    again.release()


def test_a_file_committed_before_the_kill_is_recorded_as_a_duplicate_not_loaded_twice(settings):
    """GIVEN a run that committed April (ledger row written) and was killed before archiving it
    WHEN the next run re-takes and ingests it THEN it is a duplicate of the committed batch, the lake holds one
    loaded batch, and the file goes to the archive."""
    deliver(settings, "2025-04")
    (claim,) = take_claims(FEED, settings)
    (path,) = claim.files
    (committed,) = ingest_files([path], settings=settings)
    archived = settings.archive_dir / FEED / committed.batch_id / path.name
    os.replace(archived, path)  # as if killed between the ledger row and the archive
    claim._lock.close()

    with holding_claims([FEED], settings) as claims:
        (outcome,) = ingest_files([p for c in claims for p in c.files], settings=settings)

    assert (outcome.status, outcome.duplicate_of) == ("duplicate", committed.batch_id)
    assert [e["status"] for e in read_entries(settings)].count("loaded") == 1
    assert inbox_files(settings) == []


def test_a_sidecar_left_in_landing_by_a_killed_claim_is_brought_to_its_file(settings):
    """GIVEN a file with a manifest sidecar, and a claim killed after moving the file but before its sidecar
    WHEN the claim is re-taken THEN the sidecar joins its file in the claim folder (so its checks still apply)."""
    path = deliver(settings, "2025-04")
    claim_in_a_process_that_is_killed(settings)
    sidecar = path.with_name(path.name + ".manifest.json")  # still in landing: the kill came before it moved
    sidecar.write_text(json.dumps({"row_count": 3}))

    (claim,) = take_claims(FEED, settings)

    assert sorted(p.name for p in claim.folder.iterdir()) == [CLAIM_LOCK, path.name, sidecar.name]
    assert not sidecar.exists()
    claim.release()


def test_claim_files_releases_its_claims_and_an_ingest_task_holds_the_claim_while_it_reads(settings):
    """GIVEN files claimed for the ingest DAG's mapped tasks (claim_files: locks released on return)
    WHEN a task holds the claim folder with reading() THEN no run re-takes the claim meanwhile; after it, one does."""
    deliver(settings, "2025-04")
    (path,) = claim_files(FEED, settings)

    with reading(path, settings):
        assert take_claims(FEED, settings) == []
    (claim,) = take_claims(FEED, settings)
    assert claim.retaken
    claim.release()


def test_an_empty_stranded_claim_folder_is_removed(settings):
    """GIVEN a claim folder whose files were all archived but which its run never removed (the DAG's claims)
    WHEN the feed is claimed THEN the empty folder is removed and nothing is returned."""
    deliver(settings, "2025-04")
    (path,) = claim_files(FEED, settings)
    ingest_files([path], settings=settings)

    assert take_claims(FEED, settings) == []
    assert list((settings.inbox_dir / FEED).iterdir()) == []


def test_a_claim_folder_left_half_made_by_a_killed_run_is_removed_at_once(settings):
    """GIVEN a run SIGKILLed while making its claim folder (locked, not yet renamed to its claim id; the files still
    in landing) WHEN the next run claims the feed, straight after THEN the half-made folder is removed and the
    files are claimed: nothing is left in the inbox once they are ingested (the chaos test's seed 998631)."""
    deliver(settings, "2025-04")
    claim_in_a_process_that_is_killed(settings, KILLED_WHILE_MAKING_THE_CLAIM)
    (half_made,) = (settings.inbox_dir / FEED).iterdir()
    assert half_made.name.startswith(".claiming-") and [p.name for p in half_made.iterdir()] == [CLAIM_LOCK]

    with holding_claims([FEED], settings) as claims:
        assert [([p.name for p in c.files], c.retaken) for c in claims] == [(["RWP_ECDS_2025-04.csv"], False)]
        assert not half_made.exists()
        ingest_files([p for c in claims for p in c.files], settings=settings)

    assert inbox_files(settings) == [] and list((settings.inbox_dir / FEED).iterdir()) == []


def test_a_claim_folder_a_live_run_is_making_is_left_to_it(settings):
    """GIVEN a run making its claim folder (the feed's making lock and the folder's lock held, not yet renamed)
    WHEN another run claims the feed meanwhile THEN it waits for the making to end and does not re-take the claim
    its maker holds."""
    deliver(settings, "2025-04")
    root = settings.inbox_dir / FEED
    making = root / ".claiming-20250401T000000000000Z-0123456789ab"
    making.mkdir(parents=True)
    taken: list = []
    with open(making / CLAIM_LOCK, "ab") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with _making_claims(root):
            other = threading.Thread(target=lambda: taken.append(take_claims(FEED, settings)))
            other.start()
            other.join(0.3)
            assert other.is_alive() and taken == []  # waiting for the making to end
            made = making.rename(root / making.name.removeprefix(".claiming-"))
        other.join(10)
        (claim,) = taken[0]  # April, claimed from landing in a claim of its own; the maker's claim left to it
        assert not claim.retaken and claim.folder != made and made.is_dir()
        claim.release()
