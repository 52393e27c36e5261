"""Ingest's lanes: after the opt-out lists, feeds are ingested side by side, each feed's files in the order given,
and an interruption stops the lanes between groups without leaving anything half-loaded."""

from __future__ import annotations

import threading
import time
from concurrent.futures import wait as every_one_ended

import pytest

from ingest import engine, load
from ingest.load import ingest_files
from lake.ledger import read_entries
from tests.ingest.ecds_rows import row, write_ecds

pytestmark = pytest.mark.skipif(load.LANES < 2, reason="one core: ingest runs one lane")


def month(m: str, site: str, serial0: int, n: int = 20) -> list[dict[str, str]]:
    return [row(serial0 + i, attendance_id=f"{site}{serial0 + i:07d}", site_code=site,
                arrival_datetime=f"{m}-{i % 28 + 1:02d} 10:00:00", departure_datetime=f"{m}-{i % 28 + 1:02d} 12:00:00")
            for i in range(n)]


def wye_valley(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows as Wye Valley's extract writes them: UK day-first dates, timestamps to the minute."""
    def uk(value: str) -> str:
        day = f"{value[8:10]}/{value[5:7]}/{value[:4]}"
        return f"{day} {value[11:16]}" if len(value) > 10 else day

    return [{**r, **{c: uk(r[c]) for c in ("date_of_birth", "arrival_datetime", "departure_datetime")}} for r in rows]


def deliveries(folder) -> list:
    """An opt-out list (people 101 and 1201), three RWP ECDS files (the last resubmitting the first month) and
    three RLQ ECDS months."""
    folder.mkdir()
    optouts = folder / "NDOP_OPTOUTS_202505.csv"
    optouts.write_text("list_date,nhs_number\n" + "".join(f"2025-05-31,{row(s)['nhs_number']}\n" for s in (101, 1201)))
    rwp = [write_ecds(folder / f"RWP_ECDS_2025-0{m}.csv", month(f"2025-0{m}", "RWP50", m * 100)) for m in (1, 2)]
    rwp.append(write_ecds(folder / "RWP_ECDS_2025-01_v2.csv", month("2025-01", "RWP50", 100, n=15)))
    rlq = [write_ecds(folder / f"WVT_ECDS_20250{m}.csv", wye_valley(month(f"2025-0{m}", "RLQ01", 1000 + m * 100)),
                      delimiter="|") for m in (1, 2, 3)]
    return [optouts, *rwp, *rlq]


def test_feeds_are_ingested_side_by_side_after_the_optout_list_each_feed_in_order(settings, tmp_path, monkeypatch):
    """GIVEN an opt-out list and two feeds' files (one feed's last file resubmitting its first)
    WHEN they are ingested by one ``ingest_files`` call, the first group of each feed held until the other
    feed's first group has started too
    THEN both feeds' groups ran at once (else the hold times out), the opt-out list finished before any other file
    started, each feed's files finished in the order given, and every file loaded with the opt-outs removed."""
    paths = deliveries(tmp_path / "in")
    both_started = threading.Barrier(2, timeout=60)
    real = load._ingest_group
    events: list[tuple[str, str]] = []
    held: set[str] = set()

    def ingest_group(group, settings, key):
        feed = group[0][1].contract.feed_id
        events.append(("start", feed))
        if feed != "ndop_optouts" and feed not in held:
            held.add(feed)
            both_started.wait()  # raises BrokenBarrierError if the other feed's lane never starts
        return real(group, settings, key)

    monkeypatch.setattr(load, "_ingest_group", ingest_group)
    finished: list[str] = []
    outcomes = ingest_files(paths, settings=settings, on_result=lambda path, outcome: finished.append(path.name))

    assert [o.status for o in outcomes] == ["loaded"] * len(paths), outcomes
    assert events[0] == ("start", "ndop_optouts") and finished[0] == paths[0].name
    assert all(feed != "ndop_optouts" for _, feed in events[1:])
    assert [n for n in finished if n.startswith("RWP")] == [p.name for p in paths[1:4]]
    assert [n for n in finished if n.startswith("WVT")] == [p.name for p in paths[4:]]
    assert {o.file: o.rows_opted_out for o in outcomes[1:]} == {  # serials 101 and 1201 are on the list
        "RWP_ECDS_2025-01.csv": 1, "RWP_ECDS_2025-02.csv": 0, "RWP_ECDS_2025-01_v2.csv": 1,
        "WVT_ECDS_202501.csv": 0, "WVT_ECDS_202502.csv": 1, "WVT_ECDS_202503.csv": 0}


@pytest.mark.parametrize("caller", ["prompt", "slow to wake"])
def test_an_interruption_stops_the_lanes_between_groups_and_a_rerun_loads_the_rest(settings, tmp_path, monkeypatch,
                                                                                   caller):
    """GIVEN an opt-out list and two feeds' files, each file a group of its own
    WHEN the caller is interrupted (KeyboardInterrupt from ``on_result``) as the first ECDS file finishes, its
    thread waking to the lane's exception at once or (as on a busy machine) only once every lane has ended
    THEN ``ingest_files`` raises it, the other lane stops after the file it was writing, every ledger row is
    whole and names a batch in the lake, nothing is left in the incoming folder, and ingesting every file again
    loads exactly the files that were not loaded (the others are duplicates)."""
    paths = deliveries(tmp_path / "in")
    monkeypatch.setattr(load, "GROUP_MAX_FILES", 1)
    if caller == "slow to wake":  # the other lane is stopped by the lane that raised, not by the caller
        monkeypatch.setattr(load, "wait", lambda futures, return_when: every_one_ended(futures))

    interrupted: list[str] = []

    def interrupt(path, outcome):
        if "ECDS" in path.name and not interrupted:  # once: the other lane is stopped, not interrupted
            interrupted.append(path.name)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest_files(paths, settings=settings, on_result=interrupt)

    rows = read_entries(settings)
    loaded = {e["file"] for e in rows if e["status"] == "loaded"}
    # the opt-out list, the file whose outcome raised, and at most the one the other lane was writing meanwhile
    assert "NDOP_OPTOUTS_202505.csv" in loaded and 2 <= len(loaded) <= 3, loaded
    assert all((settings.raw_dir / e["feed_id"] / f"batch_id={e['batch_id']}").is_dir()
               for e in rows if e["status"] == "loaded")
    assert not settings.staging_tmp_dir.exists() or not any(settings.staging_tmp_dir.iterdir())

    again = ingest_files(paths, settings=settings)
    assert {o.file for o in again if o.status == "loaded"} == {p.name for p in paths} - loaded
    assert {o.file for o in again if o.status == "duplicate"} == loaded


def threads_of(settings) -> int:
    """How many threads a statement of the process's ingest database may use now."""
    con = engine.connect(settings)
    try:
        return int(con.execute("select current_setting('threads')").fetchone()[0])
    finally:
        con.close()


def test_statements_take_one_thread_while_two_feeds_run_and_the_last_feed_every_core(settings, tmp_path,
                                                                                      monkeypatch):
    """GIVEN an opt-out list and two feeds' files
    WHEN they are ingested side by side, the Wye Valley feed's first group held until Worcestershire's feed has
    finished
    THEN the opt-out list (alone) ran with DuckDB's thread per core, both feeds' first groups (running at once)
    with one thread each, and the feed left alone gets every core back before it finishes; once the call returns
    the database is back at its default."""
    every_core = threads_of(settings)
    assert every_core > 1  # DuckDB's default: a thread per core
    paths = deliveries(tmp_path / "in")
    rwp_done = threading.Event()
    both_started = threading.Barrier(2, timeout=60)
    real_group, real_order = load._ingest_group, load._ingest_in_order
    seen: dict[str, list[int]] = {}

    def ingest_group(group, settings, key):
        feed = group[0][1].contract.feed_id
        if feed != "ndop_optouts" and feed not in seen:
            both_started.wait()  # both feeds' first groups start while both lanes are running
        seen.setdefault(feed, []).append(threads_of(settings))
        if feed == "rlq_ecds" and len(seen[feed]) == 1:
            assert rwp_done.wait(60)
            waited = 0.0
            while threads_of(settings) != every_core and waited < 10:  # the RWP lane is ending: gives the cores back
                time.sleep(0.05)
                waited += 0.05
            seen[feed].append(threads_of(settings))
        return real_group(group, settings, key)

    def ingest_in_order(indices, *args):
        real_order(indices, *args)
        if any("RWP" in paths[i].name for i in indices):
            rwp_done.set()

    monkeypatch.setattr(load, "_ingest_group", ingest_group)
    monkeypatch.setattr(load, "_ingest_in_order", ingest_in_order)
    outcomes = ingest_files(paths, settings=settings)

    assert [o.status for o in outcomes] == ["loaded"] * len(paths), outcomes
    assert seen["ndop_optouts"] == [every_core]
    assert seen["rwp_ecds"][0] == 1 and seen["rlq_ecds"][:2] == [1, every_core], seen
    assert threads_of(settings) == every_core


def test_presidio_is_loaded_once_a_lane_takes_a_feed_within_lanes_feeds_of_one_with_free_text(settings, monkeypatch):
    """GIVEN five feeds, largest first, only the last with free text to redact WHEN the lanes take them THEN the
    first two (the largest) are ingested without Presidio's engines in memory: their load starts when a lane takes
    the third feed, within LANES feeds of the fifth, before that feed is ingested."""
    events: list[tuple[str, int]] = []
    monkeypatch.setattr(load, "_ingest_in_order", lambda indices, *_: events.append(("ingested", indices[0])))
    monkeypatch.setattr(load.redact, "load_in_background", lambda: events.append(("presidio", -1)))
    load._ingest_in_lanes([[0], [1], [2], [3], [4]], [False, False, False, False, True], [], None, settings, None,
                          b"key", lambda i, outcome: None, threading.Event())
    first = events.index(("presidio", -1))
    assert {feed for _, feed in events[:first]} <= {0, 1} and events[:first], events
    assert events.index(("ingested", 2)) > first, events
