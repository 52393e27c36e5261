"""The identifiable zone (landing, inbox, archive) is owner-only: folders 0o700, files 0o600.

Delivered files hold raw NHS Numbers and dates of birth. Whatever the pipeline creates or moves there is made
readable by the pipeline's own user only, explicitly (chmod), whatever the process umask. A file is created
with its final mode, never widened and narrowed afterwards.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path, zone_root: Path) -> Path:
    """Create ``path`` (inside ``zone_root``) and any missing folder from ``zone_root`` down, each 0o700.

    Folders above the zone root are created with the usual mode; folders of the zone that already exist and
    belong to this user are narrowed to 0o700 too (one a deployment made by hand, say)."""
    path, zone_root = Path(path), Path(zone_root)
    if not path.is_relative_to(zone_root):
        raise ValueError(f"{path} is not inside the identifiable zone {zone_root}")
    zone_root.parent.mkdir(parents=True, exist_ok=True)
    parts = path.relative_to(zone_root).parts
    for depth in range(len(parts) + 1):
        folder = zone_root.joinpath(*parts[:depth])
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            if not folder.is_dir():
                raise
        info = folder.stat()
        if info.st_mode & 0o777 != DIR_MODE and info.st_uid == os.geteuid():
            os.chmod(folder, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make an existing file owner-only (a delivered file claimed or archived)."""
    os.chmod(path, FILE_MODE)
    return path


def _create_private(path: Path):
    """Open a new file for writing, created 0o600 (replacing one of the same name)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(fd, FILE_MODE)  # an existing file keeps its mode on O_CREAT; the umask may not be 022
    return os.fdopen(fd, "wb")


def copy_private(src: Path, dst: Path) -> Path:
    """Copy the bytes of ``src`` into a new owner-only file ``dst``."""
    with open(src, "rb") as source, _create_private(dst) as target:
        shutil.copyfileobj(source, target, 1024 * 1024)
    return dst


def write_private_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (a hidden temporary name, then a rename) as an owner-only file."""
    tmp = path.with_name(f".{path.name}.part")
    with _create_private(tmp) as out:
        out.write(text.encode("utf-8"))
    os.replace(tmp, path)
    return path
