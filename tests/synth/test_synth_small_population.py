"""A small run still generates the acute feeds: the Welsh border population that Wye Valley's files carry is then
a few dozen people, with months in which no index discharge is there to readmit."""

from __future__ import annotations

from conftest import ROOT

from synth import SynthConfig, generate


def test_wye_valley_ecds_generates_when_a_month_has_nothing_to_readmit(tmp_path):
    """GIVEN 20,000 registered people (and so a border population with no index discharge in its first month)
    WHEN Wye Valley's ECDS files are generated for two months
    THEN both files are written with attendances in them."""
    report = generate(SynthConfig(out_dir=tmp_path, clean=True, feeds=["rlq_ecds"], population=20_000, months=2,
                                  start="2025-04", seed=11, reference_dir=ROOT / "reference"))
    files = sorted(p for p in report.files if p.suffix == ".csv")
    assert len(files) == 2
    assert all(len(p.read_text().splitlines()) > 100 for p in files)


def test_a_population_too_small_for_any_border_attendance_still_generates(tmp_path):
    """GIVEN 3,000 registered people (a border population with no emergency attendance at all in some months)
    WHEN Wye Valley's ECDS files are generated for three months
    THEN all three files are written (the system's own attendances in them), where numpy's zero-padding of no
    identifiers used to stop the run with a bare ValueError."""
    report = generate(SynthConfig(out_dir=tmp_path, clean=True, feeds=["rlq_ecds"], population=3_000, months=3,
                                  start="2025-04", seed=20261123, reference_dir=ROOT / "reference"))
    files = sorted(p for p in report.files if p.suffix == ".csv")
    assert len(files) == 3
    assert all(len(p.read_text().splitlines()) > 10 for p in files)
