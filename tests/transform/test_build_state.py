"""transform.build's build state: a selective build is planned only on a warehouse built whole by the dbt
project's code as it is now (the incremental models are changed only in part by a selective build)."""

from __future__ import annotations

import dataclasses
import shutil

from transform.build_state import built_whole, project_digest, record_built


def _copied_project(settings, tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(settings.dbt_project_dir, project, ignore=shutil.ignore_patterns("target", "logs"))
    return dataclasses.replace(settings, dbt_project_dir=project)


def test_a_change_to_the_project_code_asks_for_a_build_of_everything(settings, tmp_path):
    """GIVEN a warehouse built whole WHEN a model's SQL changes THEN it no longer counts as built whole (so the
    next build is of everything), AND once that build is recorded it does again."""
    settings = _copied_project(settings, tmp_path)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.warehouse_path.touch()
    record_built(settings, "b1", whole=True)
    assert built_whole(settings)

    spine = settings.dbt_project_dir / "models" / "intermediate" / "people" / "int_event_people.sql"
    spine.write_text(spine.read_text() + "\n-- changed\n")
    assert not built_whole(settings)
    record_built(settings, "b1")  # a selective build does not make it whole
    assert not built_whole(settings)

    record_built(settings, "b1", whole=True)
    assert built_whole(settings)


def test_the_digest_covers_models_macros_seeds_and_settings_and_nothing_built(settings, tmp_path):
    settings = _copied_project(settings, tmp_path)
    project = settings.dbt_project_dir
    before = project_digest(settings)
    (project / "target").mkdir(exist_ok=True)
    (project / "target" / "manifest.json").write_text("{}")  # dbt's own output is not code
    assert project_digest(settings) == before
    for path in ("macros/lake.sql", "seeds/places.csv", "dbt_project.yml"):
        (project / path).write_text((project / path).read_text() + "\n")
        assert project_digest(settings) != before, path
        before = project_digest(settings)


def _loaded(settings, batch_id, feed_id):
    from lake.ledger import write_entry

    write_entry(settings, {"batch_id": batch_id, "feed_id": feed_id, "status": "loaded", "sha256": batch_id,
                           "file": f"{feed_id}_{batch_id}.csv", "periods": ["2025-01-01"]})


EARLY, LATE = "20250101T000000000000Z_aaaa", "20250102T000000000000Z_bbbb"


def test_a_batch_committed_after_a_later_one_was_built_is_still_pending(settings):
    """GIVEN a build of everything that covered the RWP batch LATE (the ledger frozen as the build started) WHEN
    the RLQ batch EARLY, whose ingest started first (so its id sorts first), commits after that build THEN it is
    pending: the batches builds covered are kept, where the watermark (LATE) alone would call it built."""
    from transform.build_state import covered_batches, freeze_ledger, pending_changes

    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.warehouse_path.touch()
    _loaded(settings, LATE, "rwp_ecds")
    freeze_ledger(settings)
    record_built(settings, LATE, whole=True, batches=covered_batches(settings, None))
    assert pending_changes(settings).batches == []

    _loaded(settings, EARLY, "rlq_ecds")
    pending = pending_changes(settings)
    assert (pending.feeds, pending.batches, pending.exact) == (["rlq_ecds"], [EARLY], True)


def test_a_selective_build_covers_the_frozen_batches_of_its_feeds_only(settings):
    """The batches a build covered: every frozen one for a build of everything; those of the selected feeds for
    ``source:raw.<feed>+``; none for any other selection (it says nothing of the feeds' batches)."""
    from transform.build_state import covered_batches, freeze_ledger

    _loaded(settings, EARLY, "rlq_ecds")
    _loaded(settings, LATE, "rwp_ecds")
    freeze_ledger(settings)
    assert covered_batches(settings, None) == [EARLY, LATE]
    assert covered_batches(settings, ["source:raw.rwp_ecds+"]) == [LATE]
    assert covered_batches(settings, ["marts"]) == []


def test_the_covered_batches_are_kept_from_the_first_build_of_everything_on(settings):
    """On a build state without the list (an older warehouse) a selective build cannot start it: the batches
    earlier builds covered are not known, so the watermark stays the judge until a build of everything."""
    from transform.build_state import BUILT_BATCHES, _state, pending_changes

    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.warehouse_path.touch()
    record_built(settings, EARLY, batches=[EARLY])
    assert BUILT_BATCHES not in _state(settings) and not pending_changes(settings).exact
    record_built(settings, EARLY, whole=True, batches=[EARLY])
    record_built(settings, LATE, batches=[LATE])
    assert _state(settings)[BUILT_BATCHES] == [EARLY, LATE] and pending_changes(settings).exact
