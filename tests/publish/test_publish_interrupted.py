"""A publish killed half-way: between promoting a version and switching LATEST, or while writing a candidate."""

from __future__ import annotations

import os
import time

from publish import store
from publish.run import latest, publish
from tests.publish.test_publish_run import BASE_ROWS, TABLE

MORE = [*BASE_ROWS, ("RLQ", "2024-01-01", "2", 88, 61)]


def killed_before_latest_switched(settings, live: str | None) -> None:
    """Put LATEST back as it was before the last promotion, as a kill between the rename and the switch does."""
    pointer = settings.publications_dir / TABLE / store.LATEST
    if live is None:
        pointer.unlink()
    else:
        pointer.write_text(live + "\n")


def test_a_version_promoted_by_a_killed_run_goes_live_when_the_candidate_is_the_same(settings, make_mart):
    """GIVEN v0001 live, and v0002 promoted by a run killed before it switched LATEST
    WHEN the same mart is published again
    THEN LATEST names v0002 (status published), and no v0003 is made."""
    make_mart(BASE_ROWS)
    publish([TABLE])
    make_mart(MORE)
    publish([TABLE])
    killed_before_latest_switched(settings, "v0001")
    assert latest(TABLE).version == "v0001"

    (result,) = publish([TABLE])

    assert (result.status, result.version) == ("published", "v0002")
    assert latest(TABLE).version == "v0002"
    assert store.versions(settings.publications_dir, TABLE) == ["v0001", "v0002"]


def test_a_first_version_promoted_by_a_killed_run_goes_live(settings, make_mart):
    """GIVEN v0001 promoted by a run killed before it wrote LATEST (nothing live yet)
    WHEN the same mart is published again THEN v0001 goes live, and it stays the only version."""
    make_mart(BASE_ROWS)
    publish([TABLE])
    killed_before_latest_switched(settings, None)
    assert latest(TABLE) is None

    (result,) = publish([TABLE])

    assert (result.status, result.version, latest(TABLE).version) == ("published", "v0001", "v0001")
    assert store.versions(settings.publications_dir, TABLE) == ["v0001"]


def test_a_stranded_version_that_differs_from_the_candidate_is_passed_over(settings, make_mart):
    """GIVEN v0001 live and v0002 promoted by a killed run, and then the mart changed back
    WHEN it is published THEN the candidate equals v0001 and is 'unchanged'; AND WHEN the mart changes again
    THEN v0003 is published and live, v0002 never was."""
    make_mart(BASE_ROWS)
    publish([TABLE])
    make_mart(MORE)
    publish([TABLE])
    killed_before_latest_switched(settings, "v0001")

    make_mart(BASE_ROWS)
    assert publish([TABLE])[0].status == "unchanged"
    make_mart([*MORE, ("RLQ", "2024-01-01", "3", 77, 50)])
    (result,) = publish([TABLE])

    assert (result.status, result.version, latest(TABLE).version) == ("published", "v0003", "v0003")


def test_a_stale_candidate_left_by_a_killed_publish_is_removed_and_a_recent_one_kept(settings, make_mart):
    """GIVEN two candidate folders in _incoming, one written 7 hours ago by a killed run, one a minute ago
    WHEN the table is published THEN the stale one is removed and the recent one (maybe still being written by
    another run) is left alone."""
    make_mart(BASE_ROWS)
    incoming = settings.publications_dir / TABLE / "_incoming"
    stale, recent = incoming / "stale", incoming / "recent"
    for folder, age in ((stale, 7 * 3600), (recent, 60)):
        folder.mkdir(parents=True)
        (folder / f"{TABLE}.csv").write_text("half,written\n")
        os.utime(folder, (time.time() - age, time.time() - age))

    publish([TABLE])

    assert sorted(p.name for p in incoming.iterdir()) == ["recent"]


def _gate_files(settings) -> list:
    return sorted(p for p in (settings.work_dir / "gx").rglob("*") if p.is_file())


def test_gate_files_half_written_by_a_killed_run_do_not_stop_the_next_publication(settings, make_mart):
    """GIVEN a published table whose gate left its project folder (validation results, Data Docs), and an
    earlier file-backed project's great_expectations.yml, suites and validation definitions, every one of them
    then emptied, as a run killed while writing it leaves it (seen in the chaos test: "Error while processing
    DataContextConfig: _schema", every later publish refused)
    WHEN the mart changes and is published, and then every file is cut to a third and it changes again
    THEN both publications pass their gate and go live, and each run's results are written again."""
    make_mart(BASE_ROWS)
    publish([TABLE])
    gx = settings.work_dir / "gx"
    earlier = {"great_expectations.yml": "config_version: 4\nstores:\n", "expectations/t.json": '{"name": "t"}',
               "validation_definitions/t.json": '{"name": "t", "data"', "uncommitted/config_variables.yml": "a: 1"}
    for name, text in earlier.items():
        (gx / name).parent.mkdir(parents=True, exist_ok=True)
        (gx / name).write_text(text)
    assert len(_gate_files(settings)) > 10

    for rows, cut in ((MORE, lambda size: 0), ([*MORE, ("RLQ", "2024-01-01", "3", 77, 50)], lambda size: size // 3)):
        for path in _gate_files(settings):
            path.write_bytes(path.read_bytes()[: cut(path.stat().st_size)])
        results_before = set(gx.glob("uncommitted/validations/**/*.json"))
        make_mart(rows)

        (result,) = publish([TABLE])

        assert result.status == "published" and latest(TABLE).version == result.version
        assert set(gx.glob("uncommitted/validations/**/*.json")) > results_before
    assert latest(TABLE).version == "v0003"
