"""What an ingest process loads: pandas only for a workbook or free text to redact (pandas adds about 40 MB to the
process's memory, and a CSV file's checks have no use for it; bench/results.md, issue 18, fortieth round)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_KEY
from tests.ingest.ecds_rows import row, write_ecds

ROOT = Path(__file__).resolve().parents[2]

INGEST = """
import json, sys
from ingest.load import ingest_files
outcomes = ingest_files(sys.argv[1:], feed_id="rwp_ecds")
print(json.dumps({"pandas": "pandas" in sys.modules,
                  "outcomes": [(o.status, o.rows_accepted, o.rows_rejected) if hasattr(o, "status") else str(o)
                               for o in outcomes]}))
"""


def test_a_csv_ingest_never_imports_pandas(tmp_path):
    """GIVEN two ECDS files: one whose comment-free rows parse fast, one with a quoted line break (its lines are
    numbered from the file) and a row of too many fields (a parse reject, its physical line looked up)
    WHEN a new process ingests them
    THEN both load, the broken rows are quarantined, and pandas was never imported."""
    plain = write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(80)])
    awkward = write_ecds(tmp_path / "RWP_ECDS_2025-05.csv",
                         [row(100 + i, arrival_datetime="2025-05-02 10:00:00", departure_datetime="2025-05-02 11:00:00",
                              discharge_destination="306689006" if i else "3066\n89006") for i in range(80)])
    with open(awkward, "a", encoding="utf-8") as fh:
        fh.write("ATT999999,too,many,fields" + ",x" * 20 + "\n")
    env = {"OUTCOMES_WORK_DIR": str(tmp_path / "work"), "OUTCOMES_PSEUDONYM_KEY": TEST_KEY, "PATH": "/usr/bin:/bin"}

    done = subprocess.run([sys.executable, "-c", INGEST, str(plain), str(awkward)], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]

    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["outcomes"][0] == ["loaded", 80, 0]
    assert result["outcomes"][1][0] == "loaded" and result["outcomes"][1][2] >= 1
    assert result["pandas"] is False
