"""What an ingest process loads: pandas only for a workbook (pandas adds about 40 MB to the process's memory, and a
CSV file's checks have no use for it; bench/results.md, issue 18, fortieth round)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.conftest import TEST_KEY
from tests.ingest.ecds_rows import row, write_ecds
from tests.ingest.feedback_rows import write_feedback

ROOT = Path(__file__).resolve().parents[2]

INGEST = """
import json, sys
from ingest.load import ingest_files
outcomes = ingest_files(sys.argv[2:], feed_id=sys.argv[1])
print(json.dumps({"pandas": "pandas" in sys.modules,
                  "outcomes": [(o.status, o.rows_accepted, o.rows_rejected, o.redactions) if hasattr(o, "status")
                               else str(o) for o in outcomes]}))
"""


def ingest_in_a_new_process(tmp_path: Path, feed_id: str, *paths: Path) -> dict:
    env = {"OUTCOMES_WORK_DIR": str(tmp_path / "work"), "OUTCOMES_PSEUDONYM_KEY": TEST_KEY, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", INGEST, feed_id, *map(str, paths)], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


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

    result = ingest_in_a_new_process(tmp_path, "rwp_ecds", plain, awkward)

    assert result["outcomes"][0] == ["loaded", 80, 0, {}]
    assert result["outcomes"][1][0] == "loaded" and result["outcomes"][1][2] >= 1
    assert result["pandas"] is False


def test_free_text_is_redacted_without_pandas_even_when_a_file_has_no_comment_at_all(tmp_path):
    """GIVEN two Healthwatch files of one layout: one with an NHS Number and a telephone number in a comment, one
    whose comments are all empty (its redacted column nothing but nulls)
    WHEN a new process ingests each
    THEN both load, the first file's redactions are counted, the lake holds the placeholders and the nulls, and
    pandas was never imported."""
    told = write_feedback(tmp_path / "HWH_Feedback_2025-10.csv",
                          ["my NHS number is 943 476 5919; ring 01432 355444"] + ["Waited five hours."] * 20)
    silent = write_feedback(tmp_path / "HWH_Feedback_2025-11.csv", [""] * 20)

    results = [ingest_in_a_new_process(tmp_path, "hwherefs_feedback", path) for path in (told, silent)]

    assert [r["outcomes"] for r in results] == [[["loaded", 21, 0, {"NHS_NUMBER": 1, "PHONE_NUMBER": 1}]],
                                                [["loaded", 20, 0, {}]]]
    comments = dict(duckdb.sql(
        f"select feedback_id, comment from read_parquet('{tmp_path}/work/lake/raw/hwherefs_feedback/*/*.parquet')")
        .fetchall())
    assert comments["HWH_Feedback_2025-10-0"] == "my NHS number is [NHS_NUMBER]; ring [PHONE_NUMBER]"
    assert [comments[f"HWH_Feedback_2025-11-{i}"] for i in range(20)] == [None] * 20
    assert [r["pandas"] for r in results] == [False, False]
