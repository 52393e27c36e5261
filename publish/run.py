"""Publish partner tables: write -> audit -> publish.

For each table: read the source relation (true counts) read-only from the warehouse, apply disclosure control
last, write the candidate CSV and Parquet into ``publications/<table>/_incoming/``, audit the written file with
the table's Great Expectations suite, then (gate passed) promote it atomically to the next ``v<NNNN>`` and
repoint LATEST. A failed gate promotes nothing and raises :class:`publish.errors.GateFailed`; a candidate whose
CSV is byte-identical to the live version is reported ``unchanged`` and creates no version. A table never
published whose source has no rows yet (its feeds have not arrived: an event-driven build can run before them) is
reported ``empty`` and creates nothing; once a version is live, an empty candidate is the gate's to refuse.

Command line: ``python -m publish.run [table ...] [--batch-id ID ...]`` (all declared tables by default).
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from config.settings import Settings, get_settings
from publish import files, store
from publish.disclosure import Disclosed, apply_disclosure, measures_by_id, rule_summary
from publish.errors import GateFailed
from publish.gate import GateResult, run_gate
from publish.gx_project import Project, shared_project
from publish.source import read_source
from publish.spec import TableSpec, list_tables, load_spec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublicationResult:
    table: str
    version: str  # the live version after this run, e.g. "v0002"
    status: Literal["published", "unchanged", "empty"]
    path: Path  # the live version's folder
    rows: int
    suppressed_cells: int

    def line(self) -> str:
        """One line for a person: what happened to the table."""
        if self.status == "empty":
            return f"{self.table}: nothing to publish yet (its source has no rows; no version is live)"
        return f"{self.table}: {self.status} {self.version} ({self.rows} rows, {self.suppressed_cells} suppressed " \
               f"cells) at {self.path}"


def publish(
    tables: list[str] | None = None,
    settings: Settings | None = None,
    *,
    source_batch_ids: list[str] | None = None,
    built_upto: str | None = None,
) -> list[PublicationResult]:
    """Publish ``tables`` (default: every spec in publish/tables/), each independently. ``built_upto``: the
    warehouse's build watermark (transform.build_state.built_upto, passed by the caller), kept in each manifest.

    Every table is attempted; if any gate failed, the first :class:`GateFailed` is raised after the others
    have run (the rest are attached as notes, the successful results as ``exc.results``).
    """
    settings = settings or get_settings()
    names = tables if tables is not None else list_tables(settings)
    results: list[PublicationResult] = []
    failures: list[GateFailed] = []
    with shared_project(settings) as project:  # the gates' Data Docs built once, at the end
        for name in names:
            try:
                results.append(publish_table(load_spec(name, settings), settings, source_batch_ids, built_upto,
                                             project))
            except GateFailed as exc:
                log.error("%s", exc)
                failures.append(exc)
    if failures:
        first = failures[0]
        for other in failures[1:]:
            first.add_note(str(other))
        first.results = results
        raise first
    return results


def check(tables: list[str] | None = None, settings: Settings | None = None) -> list[GateResult]:
    """Run the quality gate alone on each table's candidate (built as ``publish`` builds it) against its live
    version; publish nothing. A refused candidate is kept in ``_rejected/`` like a publication's."""
    settings = settings or get_settings()
    results = []
    with shared_project(settings) as project:  # the gates' Data Docs built once, at the end
        for name in tables if tables is not None else list_tables(settings):
            spec = load_spec(name, settings)
            disclosed = apply_disclosure(read_source(settings.warehouse_path, spec), spec)
            incoming = store.new_incoming(settings.publications_dir, spec.name)
            try:
                _, parquet_path = _write(disclosed, spec, incoming)
                gate = run_gate(parquet_path, spec, settings, live=store.live(settings.publications_dir, spec.name),
                                project=project)
                _audit(gate, spec, settings.publications_dir)
                if not gate.success:
                    store.reject(incoming, settings.publications_dir, spec.name)
                results.append(gate)
            finally:
                store.discard(incoming)
    return results


def latest(table: str, settings: Settings | None = None) -> store.LiveVersion | None:
    """The live version of ``table`` (version name, folder, manifest), or None if never published."""
    settings = settings or get_settings()
    return store.live(settings.publications_dir, table)


def publish_table(spec: TableSpec, settings: Settings, source_batch_ids: list[str] | None = None,
                  built_upto: str | None = None, project: Project | None = None) -> PublicationResult:
    """Write, gate and (if it passed) promote one table. ``project``: the run's GX project, whose Data Docs the
    caller builds (:func:`publish`); without it the gate builds them."""
    publications = settings.publications_dir
    log.info("publishing %s from %s", spec.name, spec.source)
    source = read_source(settings.warehouse_path, spec)
    live = store.live(publications, spec.name)  # what partners have: an empty source and the gate both ask
    if source.empty and live is None:
        log.warning("%s: nothing to publish yet (%s has no rows and no version is live)", spec.name, spec.source)
        return PublicationResult(table=spec.name, version="", status="empty", path=publications / spec.name,
                                 rows=0, suppressed_cells=0)
    disclosed = apply_disclosure(source, spec, measures_by_id(settings) if "measure_id" in source else None)
    store.sweep_incoming(publications, spec.name)
    incoming = store.new_incoming(publications, spec.name)
    try:
        csv_path, parquet_path = _write(disclosed, spec, incoming)
        gate = run_gate(parquet_path, spec, settings, live=live, project=project)
        report = _audit(gate, spec, publications)
        if not gate.success:
            kept = store.reject(incoming, publications, spec.name)
            raise GateFailed(spec.name, gate.failures, str(report), candidate_path=str(kept),
                             docs_path=str(gate.docs))
        store.write_json(incoming / "validation.json", gate.report)
        csv_sha = store.sha256(csv_path)
        with store.table_lock(publications, spec.name):
            current = store.live(publications, spec.name)
            if current and current.manifest["files"][csv_path.name]["sha256"] == csv_sha:
                log.info("%s unchanged: candidate CSV is identical to live %s", spec.name, current.version)
                return _result(spec, current.version, "unchanged", current.path, disclosed)
            stranded = store.unpointed(publications, spec.name)
            if stranded and stranded.manifest["files"][csv_path.name]["sha256"] == csv_sha:
                log.warning("%s: %s was promoted by a run killed before it switched LATEST; the candidate is "
                            "identical, so LATEST now points at it", spec.name, stranded.version)
                store.point_latest(publications, spec.name, stranded.version)
                return _result(spec, stranded.version, "published", stranded.path, disclosed)
            version = store.next_version(publications, spec.name)
            manifest = _manifest(spec, version, disclosed, gate, incoming, len(source), source_batch_ids,
                                 built_upto)
            store.write_json(incoming / store.MANIFEST, manifest)
            path = store.promote(incoming, publications, spec.name, version)
        log.info(
            "published %s %s: %d rows, %d suppressed cells -> %s",
            spec.name,
            version,
            len(disclosed.frame),
            disclosed.suppressed_cells,
            path,
        )
        return _result(spec, version, "published", path, disclosed)
    finally:
        store.discard(incoming)  # no-op once promoted (the folder has been renamed away)


def _write(disclosed: Disclosed, spec: TableSpec, folder: Path) -> tuple[Path, Path]:
    csv_path = folder / f"{spec.name}.csv"
    parquet_path = folder / f"{spec.name}.parquet"
    files.write_csv(disclosed.frame, spec, csv_path)
    files.write_parquet(disclosed.frame, spec, parquet_path)
    return csv_path, parquet_path


def _audit(gate: GateResult, spec: TableSpec, publications: Path) -> Path:
    """Keep every gate run's report (pass or fail) in the table's audit folder."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = store.audit_dir(publications, spec.name) / f"{stamp}_{'pass' if gate.success else 'fail'}.json"
    store.write_json(path, {"table": spec.name, **gate.summary(), "data_docs": str(gate.docs),
                            "validation": gate.report})
    return path


def _manifest(
    spec: TableSpec,
    version: str,
    disclosed: Disclosed,
    gate: GateResult,
    folder: Path,
    source_rows: int,
    source_batch_ids: list[str] | None,
    built_upto: str | None = None,
) -> dict:
    flag = spec.disclosure.flag_column
    return {
        "table": spec.name,
        "version": version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "title": spec.title,
        "description": spec.description.strip(),
        "grain": spec.grain,
        # built_upto: the warehouse's build watermark when the source was read; a batch after it is not in this
        # version, whenever it was received (publish.drift)
        "source": {"relation": spec.source, "rows": source_rows, "batch_ids": source_batch_ids,
                   "built_upto": built_upto},
        "rows": len(disclosed.frame),
        "row_counts": {
            f"{spec.name}.csv": len(disclosed.frame),
            f"{spec.name}.parquet": len(disclosed.frame),
            "rows_with_suppressed_cells": int(disclosed.frame[flag].sum()),
        },
        "files": {
            p.name: {"sha256": store.sha256(p), "bytes": p.stat().st_size}
            for p in sorted(folder.iterdir())
            if p.name != store.MANIFEST
        },
        "gate": gate.summary(),
        # Gaps in the table that the ledger explains (a refused file): shown to partners with the data.
        "caveats": gate.caveats,
        "disclosure": {
            **rule_summary(spec, disclosed.profiles),
            "suppressed_cells": disclosed.suppressed_cells,
            "secondary_suppressed_cells": disclosed.secondary_cells,
            "suppressed_by_column": disclosed.suppressed_by_column,
        },
        "columns": [
            *({"name": c.name, "type": c.type, "description": " ".join(c.description.split())} for c in spec.columns),
            {"name": flag, "type": "boolean", "description": "true when at least one cell of the row is suppressed"},
        ],
    }


def _result(spec, version, status, path, disclosed: Disclosed) -> PublicationResult:
    return PublicationResult(
        table=spec.name,
        version=version,
        status=status,
        path=path,
        rows=len(disclosed.frame),
        suppressed_cells=disclosed.suppressed_cells,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m publish.run", description="Publish partner tables.")
    parser.add_argument("tables", nargs="*", help="table names (default: every spec in publish/tables/)")
    parser.add_argument("--batch-id", action="append", dest="batch_ids", help="source batch id for the manifest")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # GX logs its internals at INFO
    try:
        results = publish(args.tables or None, source_batch_ids=args.batch_ids)
    except GateFailed as exc:  # already logged with every failed expectation
        print(f"publication blocked by the quality gate: {exc.table} (report: {exc.report_path})", file=sys.stderr)
        return 1
    for r in results:
        print(r.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
