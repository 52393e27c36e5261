"""What a finished run left in a working folder, in a form two runs can be compared by, and the invariants a run
killed at any moment must still keep (used by the chaos test).

Everything that legitimately differs between two runs of the same deliveries is left out: batch ids, load and
claim times, ledger rows of duplicates (a file re-taken after its run was killed past its commit is recorded as
a duplicate of itself), audit reports and manifests' creation times.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from config.settings import Settings

LINEAGE = ("_batch_id", "_loaded_at", "batch_id")  # which load brought a row: differs between two runs


@dataclass(frozen=True)
class Outcome:
    """The comparable result of a run: the lake's current rows, the warehouse tables, the live publication."""

    lake: dict[str, list[tuple]]  # lake.<feed id> (and the lake schema's other views) -> rows, lineage aside
    warehouse: dict[str, list[tuple]]  # schema.table -> rows, every dbt table (marts and reference)
    snapshot: dict[str, list[tuple]]  # the same read from the analysts' snapshot
    loaded: frozenset[tuple[str, str, str]]  # (feed id, file, sha256) of every loaded ledger row
    rejected: frozenset[str]  # files refused
    publication: dict[str, tuple[str | None, str | None, tuple[str, ...]]]  # table -> live, CSV sha256, versions

    def differences(self, reference: Outcome) -> list[str]:
        out = []
        for name in ("loaded", "rejected", "publication"):
            if getattr(self, name) != getattr(reference, name):
                out.append(f"{name}: {getattr(self, name)} != reference {getattr(reference, name)}")
        for name in ("lake", "warehouse", "snapshot"):
            mine, theirs = getattr(self, name), getattr(reference, name)
            for key in sorted(set(mine) | set(theirs)):
                if mine.get(key) != theirs.get(key):
                    out.append(f"{name} {key}: {_count(mine.get(key))} rows differ from the reference's "
                               f"{_count(theirs.get(key))}")
        return out


def _count(rows: list | None) -> str:
    return "no" if rows is None else str(len(rows))


def observe(settings: Settings) -> Outcome:
    ledger = _ledger(settings)
    return Outcome(
        lake=lake_current_rows(settings.warehouse_path),
        warehouse=tables(settings.warehouse_path),
        snapshot=tables(settings.snapshot_path),
        loaded=frozenset((e["feed_id"], e["file"], e["sha256"]) for e in ledger if e["status"] == "loaded"),
        rejected=frozenset(e["file"] for e in ledger if e["status"] == "rejected"),
        publication=publications(settings),
    )


def lake_current_rows(database: Path) -> dict[str, list[tuple]]:
    """Every relation of the warehouse's ``lake`` schema (``lake.<feed_id>``: a feed's current rows, read from
    the raw Parquet and the ledger by the rule of lake/current.py; the opt-out list in force; superseded keys),
    sorted, without the lineage columns two runs cannot share (``_batch_id``, ``_loaded_at``)."""
    if not database.exists():
        return {}
    with duckdb.connect(str(database), read_only=True) as con:
        columns: dict[str, list[str]] = {}
        for table, column in con.execute("select table_name, column_name from information_schema.columns "
                                         "where table_schema = 'lake' order by table_name, ordinal_position"
                                         ).fetchall():
            if column not in LINEAGE:
                columns.setdefault(table, []).append(f'"{column}"')
        return {f"lake.{table}": [_plain(r) for r in con.execute(
                    f"select {', '.join(cols)} from lake.{table} order by all").fetchall()]
                for table, cols in columns.items()}


def tables(database: Path) -> dict[str, list[tuple]]:
    """Every table (not view) of a DuckDB file, its rows sorted, without lineage columns (an intermediate table
    may carry the batch id of its rows); doubles to 9 significant digits."""
    if not database.exists():
        return {}
    with duckdb.connect(str(database), read_only=True) as con:
        columns: dict[str, list[str]] = {}
        for table, column in con.execute(
                "select c.table_schema || '.' || c.table_name, c.column_name from information_schema.columns c "
                "join information_schema.tables t using (table_catalog, table_schema, table_name) "
                "where t.table_type = 'BASE TABLE' order by 1, c.ordinal_position").fetchall():
            columns.setdefault(table, [])
            if column not in LINEAGE:
                columns[table].append(f'"{column}"')
        return {name: [_plain(r) for r in con.execute(
                    f"select {', '.join(cols) or '1'} from {name} order by all").fetchall()]
                for name, cols in columns.items()}


def _plain(row: tuple) -> tuple:
    return tuple(float(f"{v:.9g}") if isinstance(v, float) else v for v in row)


def publications(settings: Settings) -> dict[str, tuple[str | None, str | None, tuple[str, ...]]]:
    """Every table's live version, the SHA-256 of its CSV, and all its version folders."""
    out = {}
    for root in sorted(p for p in settings.publications_dir.glob("*") if p.is_dir()):
        versions = tuple(sorted(p.name for p in root.glob("v[0-9]*") if p.is_dir()))
        live = (root / "LATEST").read_text().strip() if (root / "LATEST").is_file() else None
        out[root.name] = (live, _sha256(root / str(live) / f"{root.name}.csv") if live else None, versions)
    return out


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _ledger(settings: Settings) -> list[dict]:
    folder = settings.ledger_dir
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []


def broken_invariants(settings: Settings, delivered: list[str]) -> list[str]:
    """What a run may never leave behind, killed or not: a file loaded twice, a batch in the lake that no ledger
    row commits, a version folder without a complete manifest, anything claimed in the inbox, a delivered file
    neither archived nor waiting in landing."""
    problems: list[str] = []
    ledger = _ledger(settings)
    loaded = [e for e in ledger if e["status"] == "loaded"]
    shas = [(e["feed_id"], e["sha256"]) for e in loaded]
    problems += [f"loaded twice: {e['file']} ({e['sha256'][:12]})" for e in loaded if shas.count((e["feed_id"],
                                                                                                   e["sha256"])) > 1]
    committed = {e["batch_id"] for e in ledger}
    for root in (settings.raw_dir, settings.quarantine_dir):
        problems += [f"batch without a ledger row in the lake: {p}" for p in root.glob("*/batch_id=*")
                     if p.name.removeprefix("batch_id=") not in committed]
    problems += _incomplete_versions(settings)
    inbox = sorted(p for p in settings.inbox_dir.rglob("*") if not p.is_dir()) if settings.inbox_dir.exists() else []
    problems += [f"left in the inbox: {p.relative_to(settings.inbox_dir)}" for p in inbox]
    archived = {p.name for p in settings.archive_dir.rglob("*") if p.is_file()}
    problems += [f"delivered file not in the archive: {name}" for name in delivered if name not in archived]
    return problems


def _incomplete_versions(settings: Settings) -> list[str]:
    problems = []
    for version in settings.publications_dir.glob("*/v[0-9]*"):
        manifest = version / "manifest.json"
        if not manifest.is_file():
            problems.append(f"version without a manifest: {version}")
            continue
        for name, meta in json.loads(manifest.read_text())["files"].items():
            if _sha256(version / name) != meta["sha256"]:
                problems.append(f"version {version.name}: {name} does not match its manifest")
    return problems
