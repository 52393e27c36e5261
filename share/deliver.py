"""Per-partner deliveries: after a publication passes its gate, each partner with an agreement in force gets its
own immutable delivery version holding only its allowed rows.

Layout (under the working folder)::

    deliveries/<partner>/
      v0001/ v0002/ ...   <table>.csv, <table>.parquet, <partner>.xlsx (if agreed),
                          dictionary.json, README.txt, manifest.json
      LATEST              the current version's folder name, replaced atomically (publish.store)
      _incoming/<uuid>/   a delivery being written; never served

A version folder appears in one rename of a complete folder and LATEST in one ``os.replace``, so a process killed
at any point leaves the previous delivery current and intact. A delivery whose CSV files equal the current one's is
``unchanged``, and is known to be from its CSV files alone, before the version's other files are written (its
workbook is most of a delivery's time: a night with nothing new for anybody costs a few seconds, not ten). A partner
whose agreement asks for a stricter profile than the registry's gets its tables rebuilt from the warehouse under
that profile, after checking the warehouse still gives the live publication byte for byte.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pandas as pd

from config.agreements import Agreement
from config.measures import load_measures
from config.settings import Settings, get_settings
from lake.ledger import read_entries
from publish import files as publication_files
from publish import store
from publish.disclosure import apply_disclosure, measures_by_id, rule_summary
from publish.gate import gate_frame
from publish.source import read_source
from publish.spec import TableSpec, load_spec
from share import files
from share.agreements import load_checked, standing
from share.dictionary import dictionary
from share.select import allowed_rows

log = logging.getLogger(__name__)


class DeliveryRefused(RuntimeError):
    """Nothing was delivered to a partner; the message says why."""


@dataclass(frozen=True)
class DeliveryResult:
    partner: str
    status: Literal["delivered", "unchanged", "refused"]
    version: str | None
    reason: str
    path: Path | None = None


def deliver_all(settings: Settings | None = None, today: dt.date | None = None) -> list[DeliveryResult]:
    """Deliver to every partner with an agreement; a refusal is a result with its reason, not an error."""
    settings = settings or get_settings()
    agreements = load_checked(settings)
    return [deliver(partner, settings, today, agreements) for partner in sorted(agreements)]


def deliver(partner: str, settings: Settings | None = None, today: dt.date | None = None,
            agreements: dict[str, Agreement] | None = None) -> DeliveryResult:
    settings = settings or get_settings()
    agreements = load_checked(settings) if agreements is None else agreements
    state = standing(partner, agreements, today or dt.date.today(), settings)
    if not state.in_force:
        log.warning("%s: %s", partner, state.reason)
        return DeliveryResult(partner, "refused", None, state.reason)
    try:
        tables = _tables(state.agreement, settings)
    except DeliveryRefused as exc:
        return DeliveryResult(partner, "refused", None, str(exc))
    return _write_version(state.agreement, tables, settings)


@dataclass(frozen=True)
class _Table:
    spec: TableSpec
    rows: pd.DataFrame
    manifest: dict  # the publication version's manifest
    profiles: tuple[str, ...]
    gate: dict  # the gate result the rows passed (the publication's, or the rerun under a stricter profile)


def _tables(agreement: Agreement, settings: Settings) -> list[_Table]:
    out = []
    for grant in agreement.tables:
        spec = load_spec(grant.table, settings)
        live = store.live(settings.publications_dir, grant.table)
        if live is None:
            raise DeliveryRefused(f"table {grant.table} has no live publication yet: nothing is delivered")
        frame = publication_files.read_parquet(live.path / f"{grant.table}.parquet")
        profiles = tuple(live.manifest["disclosure"].get("profiles", {})) or (spec.disclosure.profile,)
        gate = live.manifest["gate"]
        if agreement.profile is not None and profiles != (agreement.profile,):
            frame, gate = _under_profile(spec, live, agreement.profile, settings)
            profiles = (agreement.profile,)
        out.append(_Table(spec, allowed_rows(frame, grant.table, agreement), live.manifest, profiles, gate))
    return out


def _under_profile(spec: TableSpec, live: store.LiveVersion, profile: str,
                   settings: Settings) -> tuple[pd.DataFrame, dict]:
    """The table rebuilt from the warehouse under a stricter profile, once the warehouse is shown to still give
    the live publication (its CSV, byte for byte), and gated by the table's suites."""
    source = read_source(settings.warehouse_path, spec)
    measures = measures_by_id(settings) if "measure_id" in source else None
    with tempfile.TemporaryDirectory() as folder:
        check = Path(folder) / f"{spec.name}.csv"
        publication_files.write_csv(apply_disclosure(source, spec, measures).frame, spec, check)
        same = store.sha256(check) == live.manifest["files"][f"{spec.name}.csv"]["sha256"]
    if not same:
        raise DeliveryRefused(f"the warehouse has changed since {spec.name} {live.version} was published: "
                              f"publish again before delivering under profile {profile}")
    frame = apply_disclosure(source, spec, measures, profile).frame
    with tempfile.TemporaryDirectory() as folder:
        # the same rows as the live version, which passed completeness and drift: the candidate checks (schema,
        # keys, plausibility, disclosure) are what a stricter profile could break
        gate = gate_frame(frame, spec, settings, folder=Path(folder))
    if not gate.success:
        raise DeliveryRefused(f"{spec.name} under profile {profile} failed its gate: {'; '.join(gate.failures)}")
    return frame, {**gate.summary(), "rerun_under_profile": profile}


def _write_version(agreement: Agreement, tables: list[_Table], settings: Settings) -> DeliveryResult:
    root = settings.deliveries_dir
    partner = agreement.partner
    store.sweep_incoming(root, partner)
    incoming = store.new_incoming(root, partner)
    try:
        people = _write_csv_files(tables, incoming)
        digest = _content_digest(incoming, tables)
        unchanged = _unchanged(partner, store.live(root, partner), digest)  # before the version's other files
        if unchanged:
            return unchanged
        written = _write_other_files(agreement, tables, people, settings, incoming)
        with store.table_lock(root, partner):
            current = store.live(root, partner)
            unchanged = _unchanged(partner, current, digest)  # again under the lock: another delivery may have promoted
            if unchanged:
                return unchanged
            version = store.next_version(root, partner)
            store.write_json(incoming / store.MANIFEST,
                             _manifest(agreement, tables, settings, incoming, written, version, digest))
            path = store.promote(incoming, root, partner, version)
        log.info("delivered %s %s -> %s", partner, version, path)
        return DeliveryResult(partner, "delivered", version, f"{sum(len(t.rows) for t in tables)} rows", path)
    finally:
        store.discard(incoming)


def _unchanged(partner: str, current: store.LiveVersion | None, digest: str) -> DeliveryResult | None:
    """The result ``unchanged`` when the current delivery's CSV files have ``digest``, else None."""
    if current is None or current.manifest.get("content_sha256") != digest:
        return None
    return DeliveryResult(partner, "unchanged", current.version,
                          f"the allowed rows equal those of {current.version}", current.path)


def _write_csv_files(tables: list[_Table], folder: Path) -> dict[str, pd.DataFrame]:
    """Each table's CSV file, which decide whether the delivery is new; each table's rows as text (made once, for
    its CSV and the workbook)."""
    people = {}
    for table in tables:
        people[table.spec.name] = files.for_people(table.rows, table.spec)
        files.write_csv(people[table.spec.name], folder / f"{table.spec.name}.csv")
    return people


def _write_other_files(agreement: Agreement, tables: list[_Table], people: dict[str, pd.DataFrame],
                       settings: Settings, folder: Path) -> dict:
    """A new version's other files: each table's Parquet file, the data dictionary, the README and the workbook;
    the measures delivered (for the manifest)."""
    for table in tables:
        # always: the typed copy the API's Parquet and JSON are served from (served as Parquet only if agreed)
        files.write_parquet(table.rows, table.spec, folder / f"{table.spec.name}.parquet")
    measures = {m.id: m for m in load_measures(settings.measures_dir, settings.contracts_dir)}
    delivered_ids = {m for t in tables if "measure_id" in t.rows for m in t.rows["measure_id"].unique()}
    words = dictionary([t.spec for t in tables], measures, delivered_ids)
    store.write_json(folder / "dictionary.json", words)
    readme = _readme(agreement, tables)
    (folder / "README.txt").write_text("\n".join(f"{k}: {v}" for k, v in readme) + "\n", encoding="utf-8")
    if "xlsx" in agreement.formats:
        files.write_xlsx(people, readme, words, folder / f"{agreement.partner}.xlsx")
    return {"measures": sorted(delivered_ids),
            "registry_versions": {m: measures[m].version for m in sorted(delivered_ids)}}


def _caveats(agreement: Agreement, table: _Table) -> list[str]:
    return [
        *rule_summary(table.spec, table.profiles)["rules"],
        "'*' marks a suppressed cell in the CSV and XLSX files (empty in Parquet and null in JSON)",
        f"rows limited to the areas of agreement {agreement.agreement_id}: {', '.join(agreement.areas)}",
    ]


def _readme(agreement: Agreement, tables: list[_Table]) -> list[tuple[str, str]]:
    lines = [("partner", agreement.partner_name), ("agreement", f"{agreement.agreement_id} version "
                                                                 f"{agreement.version}"),
             ("purpose", agreement.purpose), ("legal basis", agreement.legal_basis),
             ("in force", f"{agreement.start} to {agreement.expiry}")]
    for table in tables:
        lines.append((f"{table.spec.name}", f"{table.spec.title}: {len(table.rows)} rows, from publication "
                                            f"{table.manifest['version']} ({table.spec.grain})"))
        lines.extend((f"{table.spec.name} caveat", text) for text in _caveats(agreement, table))
    return lines


def _content_digest(folder: Path, tables: list[_Table]) -> str:
    digest = hashlib.sha256()
    for table in tables:
        digest.update(store.sha256(folder / f"{table.spec.name}.csv").encode())
    return digest.hexdigest()


def _source_batches(table: _Table, measure_ids: list[str], settings: Settings) -> list[str]:
    """The ledger's current batches behind the table: those of the delivered measures' source feeds, or the
    batches the publication named (else every current batch in the lake)."""
    if table.manifest["source"].get("batch_ids"):
        return list(table.manifest["source"]["batch_ids"])
    entries = [e for e in read_entries(settings) if e.get("current")] if settings.ledger_dir.is_dir() else []
    if "measure_id" in table.rows:
        feeds = {f for m in load_measures(settings.measures_dir, settings.contracts_dir) if m.id in measure_ids
                 for f in m.source_feeds}
        entries = [e for e in entries if e["feed_id"] in feeds]
    return sorted(e["batch_id"] for e in entries)


def _manifest(agreement: Agreement, tables: list[_Table], settings: Settings, folder: Path, written: dict,
              version: str, digest: str) -> dict:
    return {
        "partner": agreement.partner,
        "version": version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "agreement": {"id": agreement.agreement_id, "version": agreement.version, "purpose": agreement.purpose,
                      "legal_basis": agreement.legal_basis, "areas": agreement.areas,
                      "start": str(agreement.start), "expiry": str(agreement.expiry)},
        "registry_versions": written["registry_versions"],
        "content_sha256": digest,
        "tables": {
            t.spec.name: {
                "publication_version": t.manifest["version"],
                "rows": len(t.rows),
                "profiles": list(t.profiles),
                "gate": t.gate,
                "source_batches": _source_batches(t, written["measures"], settings),
                "schema": [{"name": f.name, "type": str(f.type)} for f in publication_files.arrow_schema(t.spec)],
                "caveats": _caveats(agreement, t),
            }
            for t in tables
        },
        "files": {p.name: {"sha256": store.sha256(p), "bytes": p.stat().st_size}
                  for p in sorted(folder.iterdir()) if p.name != store.MANIFEST and not p.name.startswith(".")},
    }
