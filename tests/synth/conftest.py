"""Shared synthetic runs for the synth tests, generated once per session on small populations."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from config.contracts import Contract, load_contracts
from synth import SynthConfig, generate

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts"
SMALL = dict(population=40_000, months=3, start="2025-10")  # a winter quarter
ACUTE_FEEDS = ["rwp_ecds", "rlq_ecds", "rwp_apc", "rlq_apc"]
EFFECT_FEEDS = ["rwp_ecds", "rlq_ecds", "qgh_gp_list", "qgh_smi_checks", "r1a_community", "rwp_outpatients"]


@pytest.fixture(scope="session")
def contracts() -> dict[str, Contract]:
    return {c.feed_id: c for c in load_contracts(CONTRACTS)}


@pytest.fixture(scope="session")
def default_run(tmp_path_factory):
    """Every feed with defects (the default), 40,000 persons, October-December 2025."""
    out = tmp_path_factory.mktemp("synth_default")
    report = generate(SynthConfig(out_dir=out, **SMALL))
    return report, json.loads(report.truth_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def clean_run(tmp_path_factory):
    """Every feed with ``clean=True``."""
    out = tmp_path_factory.mktemp("synth_clean")
    report = generate(SynthConfig(out_dir=out, clean=True, **SMALL))
    return report, json.loads(report.truth_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def effects_run(tmp_path_factory):
    """The feeds the effect tests read, clean, on 200,000 persons so the effects stand out of the noise."""
    out = tmp_path_factory.mktemp("synth_effects")
    return generate(SynthConfig(out_dir=out, clean=True, feeds=EFFECT_FEEDS, population=200_000, months=3,
                                start="2025-10"))


@pytest.fixture(scope="session")
def acute_run(tmp_path_factory):
    """The acute trusts' feeds, clean, on 400,000 persons for October 2025 to March 2026: enough index
    discharges (about 15,000 with their 30 days of follow-up) to see the readmission gradients."""
    out = tmp_path_factory.mktemp("synth_acute")
    report = generate(SynthConfig(out_dir=out, clean=True, feeds=ACUTE_FEEDS, population=400_000, months=6,
                                  start="2025-10"))
    return report, json.loads(report.truth_path.read_text(encoding="utf-8"))


def contract_of(contracts: dict[str, Contract], path: Path) -> Contract:
    return next(c for c in contracts.values() if c.matches(path.name))


@cache
def _read(path: Path, fmt: str, delimiter: str, encoding: str) -> pd.DataFrame:
    if path.stat().st_size == 0:
        return pd.DataFrame()
    if fmt == "xlsx":
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        return pd.DataFrame([["" if v is None or v == "" else v for v in r] for r in rows[1:]], columns=rows[0])
    return pd.read_csv(path, sep=delimiter, dtype=str, keep_default_na=False, encoding=encoding)


def read_extract(path: Path, contract: Contract, encoding: str | None = None) -> pd.DataFrame:
    """Values as text ('' when empty; XLSX dates stay dates), header as written; row i is at line i + 2."""
    return _read(path, contract.file.format, contract.file.delimiter, encoding or contract.file.encoding).copy()


@pytest.fixture(scope="session")
def read():
    return read_extract


def feed_files(report, contract: Contract) -> list[Path]:
    return sorted(p for p in report.files if contract.matches(p.name)
                  and p.parent == report.out_dir / contract.organisation / contract.feed)
