"""The rooms' floor plan (docs/architecture.md): imports point down. Configuration imports nothing of ours; the
lake's rules only configuration; the stages (ingest, transform, publish, synth) only those two floors, never each
other or orchestration (pull, in front of ingest, uses ingest's landing-zone helpers); partner sharing (share) sits
on publish; orchestration never the DAGs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"config", "stats", "lake", "ingest", "transform", "publish", "share", "synth", "pull", "outcomes", "dags"}
ALLOWED = {
    "config": set(),
    "stats": set(),
    "lake": {"config"},
    "ingest": {"config", "lake"},
    "transform": {"config", "lake"},
    "publish": {"config", "lake", "stats"},
    "share": {"config", "lake", "publish", "stats"},  # partners: deliveries and API, built on the publications
    "synth": {"config"},
    # pull sits in front of ingest: it writes into landing with ingest's identifiable-zone helpers and marker
    "pull": {"config", "ingest"},
    "outcomes": {"config", "lake", "ingest", "transform", "publish", "share", "synth", "stats", "pull"},
    "dags": {"config", "lake", "ingest", "transform", "publish", "share", "pull", "outcomes"},
}


def imported_packages(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                top = name.split(".")[0]
                if top in OURS and top != package:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("package", sorted(p for p in ALLOWED if (ROOT / p).is_dir()))
def test_imports_point_down(package):
    wrong = {k: sorted(v) for k, v in imported_packages(package).items() if k not in ALLOWED[package]}
    assert not wrong, f"{package} imports {wrong}"
