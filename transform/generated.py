"""Keep generated files in step with what generates them: write what differs, remove what is no longer
generated from the folders a generator owns, or (check) only say whether everything is current."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Owned:
    """Files a generator owns in a folder: every file matching ``pattern`` there is generated."""

    folder: Path
    pattern: str = "*"


def out_of_date(wanted: dict[Path, str], owned: list[Owned]) -> tuple[list[Path], list[Path]]:
    """(files to write, stale files to remove): absolute paths."""
    changed = [path for path, text in wanted.items()
               if not path.exists() or path.read_text(encoding="utf-8") != text]
    stale = sorted({p for o in owned for p in o.folder.glob(o.pattern) if p.is_file() and p not in wanted})
    return changed, stale


def write_generated(wanted: dict[Path, str], owned: list[Owned], check: bool = False) -> bool:
    """Bring the files up to date (unless ``check``). Returns True if they were already current."""
    changed, stale = out_of_date(wanted, owned)
    if check or not (changed or stale):
        return not (changed or stale)
    for path in stale:
        path.unlink()
    for path in changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(wanted[path], encoding="utf-8")
    return False
