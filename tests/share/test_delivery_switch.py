"""The current delivery switches atomically: a delivery process killed (SIGKILL) while it writes leaves the previous
version current and intact, and the next run completes. And text a spreadsheet would run is neutralised."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import yaml
from openpyxl import load_workbook

from publish import store
from publish.run import publish
from publish.spec import load_spec
from share import files
from share.deliver import deliver
from tests.share.conftest import APRIL, build_published

REPO = Path(__file__).resolve().parents[2]
TODAY = "2026-12-02"


def intact(folder: Path) -> bool:
    manifest = json.loads((folder / "manifest.json").read_text())
    return all(store.sha256(folder / name) == entry["sha256"] for name, entry in manifest["files"].items())


def writing(incoming: Path) -> bool:
    """A candidate folder under _incoming already holds a file: the delivery is writing."""
    return incoming.is_dir() and any(p.is_file() for p in incoming.rglob("*"))


def test_a_delivery_killed_while_writing_leaves_the_previous_one_current_and_intact(tmp_path):
    """
    GIVEN a partner granted the ED table with v0001 delivered, then a new publication of the ED table
    WHEN a delivery process is killed with SIGKILL once it has started writing its candidate, and then run again
    THEN after the kill LATEST still names v0001, whose files all match its manifest, and no v0002 exists; the
         next run delivers v0002 whole and switches to it
    """
    agreements = tmp_path / "agreements"
    agreements.mkdir()
    icb = yaml.safe_load((REPO / "agreements" / "icb.yaml").read_text())
    icb["tables"] = [{"table": "ed_four_hour_performance"}]
    (agreements / "icb.yaml").write_text(yaml.safe_dump(icb))
    settings = build_published(tmp_path / "work", agreements, tables=("ed_four_hour_performance",))
    assert deliver("icb", settings).version == "v0001"
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("insert into marts.ed_four_hour_performance values ('RLQ', ?, '2', 220, 150, 68.2)", [APRIL[0]])
    publish(["ed_four_hour_performance"], settings)
    incoming = settings.deliveries_dir / "icb" / "_incoming"
    env = {**os.environ, "OUTCOMES_WORK_DIR": str(settings.work_dir), "OUTCOMES_AGREEMENTS_DIR": str(agreements),
           "PYTHONPATH": str(REPO)}
    code = ("import datetime as d; from share.deliver import deliver; "
            f"deliver('icb', today=d.date.fromisoformat('{TODAY}'))")
    process = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=REPO)
    deadline = time.monotonic() + 60
    while not writing(incoming):
        assert process.poll() is None, "the delivery finished before it could be killed mid-write"
        assert time.monotonic() < deadline
        time.sleep(0.002)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    assert process.returncode == -signal.SIGKILL
    assert (settings.deliveries_dir / "icb" / "LATEST").read_text().strip() == "v0001"
    assert intact(settings.deliveries_dir / "icb" / "v0001")
    assert store.versions(settings.deliveries_dir, "icb") == ["v0001"]
    again = deliver("icb", settings)
    assert (again.status, again.version) == ("delivered", "v0002")
    assert (settings.deliveries_dir / "icb" / "LATEST").read_text().strip() == "v0002"
    assert intact(settings.deliveries_dir / "icb" / "v0002")


def test_text_a_spreadsheet_would_run_is_neutralised_in_csv_and_xlsx(tmp_path):
    """
    GIVEN rows whose text cells start with '=', '+', '-', '@' and a tab (a formula, a DDE payload)
    WHEN written as a partner's CSV and XLSX
    THEN each such cell is prefixed with an apostrophe in both, the workbook stores it as text (never a
         formula), and numbers and ordinary text are unchanged
    """
    spec = load_spec("ed_four_hour_performance")
    hostile = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "RWP"]
    frame = pd.DataFrame({"organisation_code": hostile, "month": [APRIL[0]] * 6, "imd_quintile": ["1"] * 6,
                          "attendances": pd.array([40] * 6, dtype="Int64"),
                          "within_four_hours": pd.array([30] * 6, dtype="Int64"),
                          "pct_within_four_hours": [75.0] * 6, "suppressed": [False] * 6})

    people = files.for_people(frame, spec)
    files.write_csv(people, tmp_path / "t.csv")
    files.write_xlsx({"t": people}, [("=cmd|' /C calc'!A0", "readme")], [], tmp_path / "t.xlsx")

    csv_codes = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)["organisation_code"].tolist()
    assert csv_codes == ["'" + v for v in hostile[:-1]] + ["RWP"]
    book = load_workbook(tmp_path / "t.xlsx")
    cells = [row[0] for row in book["t"].iter_rows(min_row=2)]
    assert [c.value for c in cells] == csv_codes and {c.data_type for c in cells} == {"s"}
    assert book["README"]["A1"].value == "'=cmd|' /C calc'!A0" and book["README"]["A1"].data_type == "s"
    assert [row[3] for row in book["t"].iter_rows(min_row=2, values_only=True)] == ["40"] * 6
