"""The data dictionary of a delivery, generated from the publication specs and the measure registry."""

from __future__ import annotations

from collections.abc import Iterable

from config.measures import Measure
from publish.spec import TableSpec


def dictionary(specs: Iterable[TableSpec], measures: dict[str, Measure], measure_ids: set[str]) -> list[dict]:
    """One entry per published column of each table, then one per measure delivered (from the registry)."""
    entries = []
    for spec in specs:
        for col in spec.columns:
            entries.append({"table": spec.name, "kind": "column", "name": col.name, "type": col.type,
                            "description": " ".join(col.description.split())})
        entries.append({"table": spec.name, "kind": "column", "name": spec.disclosure.flag_column,
                        "type": "boolean", "description": "true when at least one cell of the row is suppressed (*)"})
    for measure_id in sorted(measure_ids):
        m = measures[measure_id]
        target = f"; target {m.target.value:g} ({m.target.text})" if m.target else ""
        entries.append({
            "table": "measure_values", "kind": "measure", "name": m.id, "type": m.unit,
            "description": (f"{m.title} (registry version {m.version}). {' '.join(m.definition.split())} "
                            f"Numerator: {m.numerator} Denominator: {m.denominator} Period: {m.period.type}. "
                            f"Polarity: {m.polarity}{target}. Disclosure profile: {m.disclosure_profile}."),
        })
    return entries
