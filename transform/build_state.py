"""What the warehouse has been built from: the ledger a build sees (frozen as it starts), the batches successful
builds covered, the watermark, and whether everything was built by the dbt project's code as it is now
(``warehouse/build_state.json``; docs/architecture.md)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from config import names
from config.settings import Settings, get_settings


def ledger_visible_path(settings: Settings) -> Path:
    return settings.warehouse_path.parent / "ledger_visible.txt"


def freeze_ledger(settings: Settings) -> int:
    """Write the batch ids of the ledger's files as they are now, one a line: the ledger the next dbt run sees
    (the source ``lake.ledger`` reads only these rows). A build freezes it as it starts, so every model sees the
    same deliveries even while ingest goes on committing files; a file committed meanwhile is built next time.
    Returns how many batches are visible."""
    from lake.ledger import committed_batch_ids

    batch_ids = committed_batch_ids(settings)
    path = ledger_visible_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".txt.{os.getpid()}.tmp")
    tmp.write_text("\n".join(batch_ids), encoding="utf-8")
    os.replace(tmp, path)  # a reader (a lake view queried meanwhile) sees the old list or the new, whole
    return len(batch_ids)


@dataclass
class Pending:
    """Loaded batches the warehouse has not been built from yet (judged by the ledger, not by events)."""

    feeds: list[str]
    batches: list[str]
    upto: str | None  # the newest loaded batch id seen; becomes the watermark once a build succeeds
    built: bool = True  # has a build of everything succeeded on this warehouse?
    exact: bool = False  # judged by the batches builds saw (BUILT_BATCHES), not by the watermark alone

    def selection(self) -> list[str] | None:
        """What is downstream of the changed sources (``source:raw.<feed>+``); None, i.e. everything, while the
        warehouse has never been built whole (a selection would then miss the reference models its tests read)."""
        if not self.built:
            return None
        return [names.source_selector(feed) for feed in self.feeds] or None


def _state_path(settings: Settings) -> Path:
    return settings.warehouse_path.parent / "build_state.json"


def _state(settings: Settings) -> dict:
    path = _state_path(settings)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def built_upto(settings: Settings) -> str | None:
    return _state(settings).get("built_upto")


def built_whole(settings: Settings) -> bool:
    """True once a build of everything has succeeded on this warehouse (its every model and relation exists) with
    the dbt project as it is now: after a change to the project's code the next build is of everything again, so
    the incremental models (which a selective build changes only in part) are rebuilt whole by the new code."""
    state = _state(settings)
    return (bool(state.get("built_whole")) and settings.warehouse_path.exists()
            and state.get("project_digest") == project_digest(settings))


#: What the warehouse's tables are built from: the dbt project's code, seeds and settings (not its target or logs).
PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds")


def project_digest(settings: Settings) -> str:
    """The SHA-256 of every file of the dbt project that models are built from (PROJECT_PARTS), by path."""
    digest = hashlib.sha256()
    root = settings.dbt_project_dir
    for part in PROJECT_PARTS:
        path = root / part
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


#: The build state's list of every batch a successful build has covered: one it saw in the frozen ledger
#: (:func:`freeze_ledger`) and whose feed it built (all of them for a build of everything).
BUILT_BATCHES = "built_batches"


def pending_changes(settings: Settings | None = None) -> Pending:
    """The loaded batches no successful build has covered. Batch ids sort by the time their ingest started, but
    ingests commit in any order, so a watermark (the newest batch id built) misses a batch that started before a
    build's newest and committed after the build froze the ledger. The build state therefore keeps the batches
    builds covered (:data:`BUILT_BATCHES`, from the first build of everything on); on an older state, without it,
    the watermark is all there is and the transform DAG also builds the feeds of its triggering events."""
    from lake.ledger import read_entries

    settings = settings or get_settings()
    state = _state(settings)
    loaded = sorted((e for e in read_entries(settings) if e["status"] == "loaded"), key=lambda e: e["batch_id"])
    covered = state.get(BUILT_BATCHES)
    if covered is None:
        mark = state.get("built_upto") or ""
        new = [e for e in loaded if e["batch_id"] > mark]
    else:
        covered = set(covered)
        new = [e for e in loaded if e["batch_id"] not in covered]
    return Pending(feeds=sorted({e["feed_id"] for e in new}), batches=[e["batch_id"] for e in new],
                   upto=loaded[-1]["batch_id"] if loaded else None, built=built_whole(settings),
                   exact=covered is not None)


def covered_batches(settings: Settings, select: list[str] | None) -> list[str]:
    """The batches a successful build covered: those in its frozen ledger (:func:`freeze_ledger`), of the feeds
    it built (``source:raw.<feed>+`` selections; every feed for a build of everything; none for other
    selections, which say nothing of the feeds' batches)."""
    from lake.ledger import read_entries

    path = ledger_visible_path(settings)
    visible = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if not select:
        return visible
    feeds = {feed for selector in select if (feed := names.feed_of_source_selector(selector))}
    if not feeds:
        return []
    feed_of = {e["batch_id"]: e["feed_id"] for e in read_entries(settings)}
    return [batch for batch in visible if feed_of.get(batch) in feeds]


def record_built(settings: Settings, upto: str | None, whole: bool = False,
                 batches: list[str] | None = None) -> None:
    """After a successful build: move the watermark forward (never backwards); ``whole``: everything was built,
    by the project's code as it is now (its digest is kept); ``batches``: the batches it covered
    (:func:`covered_batches`), added to the state's :data:`BUILT_BATCHES`. That list starts with a build of
    everything: before one, the batches earlier builds covered are not known."""
    state = _state(settings)
    moved = bool(upto) and (state.get("built_upto") or "") < upto
    built = {"built_whole": True, "project_digest": project_digest(settings)} if whole else {}
    if batches is not None and (whole or BUILT_BATCHES in state):
        built[BUILT_BATCHES] = sorted(set(state.get(BUILT_BATCHES) or []) | set(batches))
    if not moved and all(state.get(k) == v for k, v in built.items()):
        return
    state = {**state, **({"built_upto": upto} if moved else {}), **built}
    path = _state_path(settings)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(state), encoding="utf-8")
    os.replace(tmp, path)
