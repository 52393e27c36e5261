"""transform.file_copy: the warehouse's copy to the analysts' snapshot is exact, at any size, with direct writes
or without them."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from transform import file_copy
from transform.file_copy import ALIGN, copy_file

SMALL_CHUNK = 16 * ALIGN  # several chunks without writing megabytes


@pytest.mark.parametrize("size", [0, 1, ALIGN - 1, ALIGN, ALIGN + 1, SMALL_CHUNK - 1, SMALL_CHUNK,
                                  SMALL_CHUNK + 5, 3 * SMALL_CHUNK + 123])
def test_the_copy_is_byte_for_byte_at_every_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    monkeypatch.setattr(file_copy, "CHUNK", SMALL_CHUNK)
    data = os.urandom(size)
    src, dst = tmp_path / "warehouse.duckdb", tmp_path / "snapshot.duckdb"
    src.write_bytes(data)
    dst.write_bytes(b"x" * (size + 3 * ALIGN))  # an older, longer snapshot is replaced, not overwritten in part
    copy_file(src, dst)
    assert dst.read_bytes() == data


def test_without_o_direct_the_copy_is_a_plain_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "O_DIRECT", raising=False)  # as on macOS
    data = os.urandom(3 * ALIGN + 7)
    src, dst = tmp_path / "warehouse.duckdb", tmp_path / "snapshot.duckdb"
    src.write_bytes(data)
    copy_file(src, dst)
    assert dst.read_bytes() == data


@pytest.mark.parametrize("refused", ["open", "write"])
def test_a_file_system_refusing_direct_io_gets_a_plain_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            refused: str) -> None:
    """Some file systems refuse O_DIRECT with EINVAL, at the open or only at the first write (tmpfs before Linux
    6.6, some network file systems): the error is injected here, as this machine's file systems accept it."""
    if not getattr(os, "O_DIRECT", 0):
        pytest.skip("no O_DIRECT on this platform")
    real_open, real_write = os.open, os.write

    def refusing_open(path, flags, *args):
        if refused == "open" and flags & os.O_DIRECT:
            raise OSError(errno.EINVAL, "Invalid argument", str(path))
        return real_open(path, flags, *args)

    def refusing_write(fd, data):
        if refused == "write":
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(fd, data)

    monkeypatch.setattr(file_copy.os, "open", refusing_open)
    monkeypatch.setattr(file_copy.os, "write", refusing_write)
    data = os.urandom(5 * ALIGN + 11)
    src, dst = tmp_path / "warehouse.duckdb", tmp_path / "snapshot.duckdb"
    src.write_bytes(data)
    copy_file(src, dst)
    assert dst.read_bytes() == data


def test_a_missing_source_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="warehouse.duckdb"):
        copy_file(tmp_path / "warehouse.duckdb", tmp_path / "snapshot.duckdb")
