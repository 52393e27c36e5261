"""The warehouse file is created whole or not at all (transform/warehouse_file.py): a process killed while it is
created leaves no warehouse, and a short one left by an earlier kill is created again rather than refused for
ever."""

from __future__ import annotations

import errno
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from transform import warehouse_file
from transform.build import BuildFailed, run_dbt
from transform.warehouse_file import HEADER_BYTES, PREFIX, STALE_SECONDS, ensure_warehouse

REPO = Path(__file__).resolve().parents[2]


def opens(path: Path) -> bool:
    with duckdb.connect(str(path)) as con:
        return con.execute("select 1").fetchone() == (1,)


def test_a_missing_warehouse_is_created_whole_and_nothing_else_is_left(tmp_path):
    """GIVEN no warehouse WHEN it is ensured THEN it is a DuckDB database, and its folder holds nothing else."""
    path = tmp_path / "warehouse" / "outcomes.duckdb"
    ensure_warehouse(path)
    assert path.stat().st_size >= HEADER_BYTES and opens(path)
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_a_warehouse_that_is_there_is_left_as_it_is(tmp_path):
    """GIVEN a warehouse holding a table WHEN it is ensured THEN it is the same file, its table unchanged."""
    path = tmp_path / "outcomes.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table kept as select 7 as n")
    inode = path.stat().st_ino
    ensure_warehouse(path)
    assert path.stat().st_ino == inode
    with duckdb.connect(str(path)) as con:
        assert con.sql("select n from kept").fetchall() == [(7,)]


def test_a_warehouse_shorter_than_its_headers_is_created_again_with_a_warning(tmp_path, caplog):
    """GIVEN the warehouse a creation killed before its headers left (empty, or its first header block only),
    which DuckDB refuses WHEN it is ensured THEN it is a DuckDB database again, and a warning names it."""
    for left in (b"", b"\0" * 4096):
        path = tmp_path / "outcomes.duckdb"
        path.write_bytes(left)
        try:
            duckdb.connect(str(path)).close()
        except duckdb.IOException as exc:
            assert "not a valid DuckDB database file" in str(exc)
        else:
            raise AssertionError("DuckDB opened a short file")
        with caplog.at_level(logging.WARNING, logger=warehouse_file.__name__):
            ensure_warehouse(path)
        assert opens(path)
        assert f"{path} is {len(left)} bytes" in caplog.text
        path.unlink()
        caplog.clear()


KILLED_WHILE_CREATING = """
import os, signal, sys
from pathlib import Path
import duckdb
import pytest
from transform.warehouse_file import ensure_warehouse

def killed(path, *args, **kwargs):  # DuckDB's new file opened, then the process killed before its headers
    Path(path).touch()
    os.kill(os.getpid(), signal.SIGKILL)

duckdb.connect = killed
ensure_warehouse(Path(sys.argv[1]))
"""


def test_a_process_killed_while_creating_the_warehouse_leaves_none_and_the_next_creates_it(tmp_path):
    """GIVEN a process SIGKILLed after DuckDB opened the new database's file and before it wrote its headers
    WHEN the warehouse is looked at, then ensured again a while later
    THEN there is no warehouse (only the creation's temporary folder), then a whole one, and the stale folder is
    gone."""
    path = tmp_path / "outcomes.duckdb"
    proc = subprocess.run([sys.executable, "-c", KILLED_WHILE_CREATING, str(path)], cwd=REPO, check=False)
    assert proc.returncode == -9
    assert not path.exists()
    leftovers = list(tmp_path.glob(PREFIX + "*"))
    assert len(leftovers) == 1
    old = time.time() - STALE_SECONDS - 1
    os.utime(leftovers[0], (old, old))
    ensure_warehouse(path)
    assert opens(path) and list(tmp_path.glob(PREFIX + "*")) == []


def test_a_creation_in_progress_elsewhere_is_left_alone(tmp_path):
    """GIVEN another process's creation folder, made a moment ago WHEN the warehouse is ensured THEN that folder
    is still there (it is removed only once stale)."""
    other = tmp_path / f"{PREFIX}other"
    other.mkdir()
    ensure_warehouse(tmp_path / "outcomes.duckdb")
    assert other.is_dir()


def test_a_warehouse_another_process_created_meanwhile_is_kept(tmp_path, monkeypatch):
    """GIVEN another process creates the warehouse (with a table) while this one writes its new database
    WHEN this one links its database into place THEN the other's warehouse is kept, with its table."""
    path = tmp_path / "outcomes.duckdb"
    connect = duckdb.connect

    def racing(new, *args, **kwargs):
        with connect(str(path)) as con:
            con.execute("create table theirs as select 1 as n")
        return connect(new, *args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", racing)
    ensure_warehouse(path)
    monkeypatch.undo()
    with duckdb.connect(str(path)) as con:
        assert con.sql("select n from theirs").fetchall() == [(1,)]


def test_dbt_runs_on_a_warehouse_a_killed_creation_left_empty(settings):
    """GIVEN the working folder's warehouse is an empty file (a dbt process killed as it created the warehouse,
    before this change) WHEN a dbt command that opens the warehouse runs THEN it succeeds, on a whole warehouse."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.warehouse_path.write_bytes(b"")
    proc = run_dbt(settings, "show", "--inline", "select 42 as answer")
    assert proc.returncode == 0, (proc.stdout or "")[-3000:] + (proc.stderr or "")[-1000:]
    assert "42" in proc.stdout and opens(settings.warehouse_path)


def test_without_hard_links_the_new_warehouse_is_renamed_into_place(tmp_path, monkeypatch):
    """GIVEN a file system that refuses hard links (EPERM, as some network mounts do) WHEN a missing warehouse is
    ensured THEN it is created whole, and no creation folder is left."""
    def refused(*args, **kwargs):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", refused)
    path = tmp_path / "outcomes.duckdb"
    ensure_warehouse(path)
    monkeypatch.undo()
    assert opens(path) and list(tmp_path.glob(PREFIX + "*")) == []


def test_a_file_of_another_kind_at_the_warehouse_path_is_refused_with_what_to_do_and_kept(settings):
    """GIVEN a file at the warehouse path that is not a DuckDB database (long enough to be one)
    WHEN dbt is to run THEN the build fails before dbt starts, naming the file, the bytes found and what to do,
    and the file is left as it was."""
    path = settings.warehouse_path
    path.parent.mkdir(parents=True, exist_ok=True)
    content = b"PK\x03\x04" + b"x" * HEADER_BYTES
    path.write_bytes(content)
    with pytest.raises(BuildFailed) as raised:
        run_dbt(settings, "show", "--inline", "select 1")
    message = str(raised.value)
    assert str(path) in message and "b'xxxx'" in message and "move the file aside" in message
    assert path.read_bytes() == content
