"""The MESH sandbox's own environment is installed with uv when uv is beside the interpreter, else with pip
(outcomes/mesh_sandbox.py). Real virtual environments; the requirements name a package on disk, so no index."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from outcomes import mesh_sandbox


@pytest.fixture
def venv(tmp_path) -> Path:
    """GIVEN an empty virtual environment and requirements naming a small wheel on disk."""
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)
    wheel = tmp_path / "tiny-1.0-py3-none-any.whl"
    info = "tiny-1.0.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("tiny/__init__.py", "WHO = 'tiny'\n")
        archive.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: tiny\nVersion: 1.0\n")
        archive.writestr(f"{info}/WHEEL",
                         "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", "")
    (tmp_path / "requirements.lock").write_text(f"{wheel}\n")
    return tmp_path / "venv"


def fake_interpreter(tmp_path: Path, uv_exit: int | None) -> Path:
    """A folder standing for the interpreter's own, with a uv that records its call and exits ``uv_exit`` (no uv
    when None)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    if uv_exit is not None:
        uv = folder / "uv"
        uv.write_text(f"#!/bin/sh\necho \"$@\" > {tmp_path / 'uv-called'}\nexit {uv_exit}\n")
        uv.chmod(0o755)
    return folder / "python"


def installed(venv: Path) -> bool:
    return subprocess.run([str(venv / "bin" / "python"), "-c", "import tiny"], check=False).returncode == 0


@pytest.mark.parametrize("uv_exit", [None, 1], ids=["no uv", "uv fails"])
def test_pip_installs_when_uv_is_missing_or_fails_and_says_so_when_it_failed(venv, tmp_path, monkeypatch, uv_exit):
    """WHEN the requirements are installed with no uv beside the interpreter, or with a uv that fails
    THEN pip installs them, and a failed uv is reported."""
    monkeypatch.setattr(sys, "executable", str(fake_interpreter(tmp_path, uv_exit)))
    said: list[str] = []
    mesh_sandbox.install(venv, said.append, tmp_path / "requirements.lock")
    assert installed(venv)
    assert (tmp_path / "uv-called").exists() == (uv_exit is not None)
    failed = ["uv could not install the MESH sandbox's requirements; pip installs them"]
    assert said == ([] if uv_exit is None else failed)


def test_uv_installs_into_the_sandbox_environment_when_it_succeeds(venv, tmp_path, monkeypatch):
    """WHEN uv beside the interpreter succeeds
    THEN it was asked to install the requirements into the sandbox's interpreter, and pip was not run."""
    monkeypatch.setattr(sys, "executable", str(fake_interpreter(tmp_path, 0)))
    said: list[str] = []
    mesh_sandbox.install(venv, said.append, tmp_path / "requirements.lock")
    call = (tmp_path / "uv-called").read_text().split()
    assert call == ["pip", "install", "--quiet", "--compile-bytecode", "--python", str(venv / "bin" / "python"), "-r",
                    str(tmp_path / "requirements.lock")]
    assert not installed(venv) and said == []
