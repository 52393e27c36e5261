"""bench.pandas_alternative: the usual alternative computes the same measures, so the comparison is fair."""

from __future__ import annotations

import pandas as pd

from bench.pandas_alternative import attendances, four_hour_performance, readmissions_30d


def test_four_hours_is_within_and_a_minute_more_is_not_in_either_date_layout():
    """GIVEN one trust's attendances of 240 and 241 minutes, ISO and day-first (as RLQ sends them)
    WHEN the 4-hour performance is computed
    THEN April has 2 attendances, 1 within 4 hours (50%); May's day-first attendance of 240 minutes is within."""
    frame = pd.DataFrame({
        "organisation_code": ["RWP", "RWP", "RWP"], "attendance_id": ["a", "b", "c"],
        "arrival_datetime": ["2025-04-30 22:00:00", "2025-04-30 22:00:00", "02/05/2025 09:00"],
        "departure_datetime": ["2025-05-01 02:00:00", "2025-05-01 02:01:00", "02/05/2025 13:00"],
        "department_type": ["01", "01", "01"]})
    out = four_hour_performance(attendances({"rwp_ecds": frame}))
    assert out[["attendances", "within", "percent"]].values.tolist() == [[2, 1, 50.0], [1, 1, 100.0]]


def test_a_readmission_at_the_other_trust_within_30_days_counts_and_day_30_does_not():
    """GIVEN person p discharged by RWP on 1 April and admitted as an emergency at RLQ on 30 April (day 29), and
    person q discharged on 1 April and readmitted on 1 May (day 30), and person r admitted and discharged on
    2 April and never again (a spell is not its own readmission)
    WHEN 30-day readmissions are computed
    THEN RWP's April has 3 index spells and 1 readmission."""
    rwp = pd.DataFrame({"organisation_code": "RWP", "spell_id": ["s1", "s2", "s5"], "nhs_number": ["p", "q", "r"],
                        "admission_method": "21", "admission_date": ["2025-03-30", "2025-03-30", "2025-04-02"],
                        "discharge_date": ["2025-04-01", "2025-04-01", "2025-04-02"]})
    rlq = pd.DataFrame({"organisation_code": "RLQ", "spell_id": ["s3", "s4"], "nhs_number": ["p", "q"],
                        "admission_method": "21", "admission_date": ["30/04/2025", "01/05/2025"],
                        "discharge_date": ["02/05/2025", "03/05/2025"]})
    out = readmissions_30d({"rwp_apc": rwp, "rlq_apc": rlq})
    april = out[(out["organisation_code"] == "RWP") & (out["month"].astype(str) == "2025-04")]
    assert april[["spells", "readmissions"]].values.tolist() == [[3, 1]]


def test_the_ingest_alone_writes_every_delivered_file_csv_and_workbook_and_counts_its_rows(tmp_path):
    """GIVEN a delivery folder with an ECDS CSV file of 2 rows, a reablement workbook of 3 rows in its contract's
    sheet, and a file no contract names
    WHEN the pandas alternative runs its ingest alone (the same files as ``outcomes ingest``)
    THEN 2 files and 5 rows are written, one Parquet file each, as text, and the unnamed file is left alone."""
    from bench.pandas_alternative import main

    synth = tmp_path / "synth"
    (synth / "RWP").mkdir(parents=True)
    (synth / "RWP" / "RWP_ECDS_2025-04.csv").write_text(
        "attendance_id,arrival_datetime\nA1,2025-04-01 00:08:37\nA2,2025-04-02 10:00:00\n", encoding="utf-8")
    (synth / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    workbook = pd.DataFrame({"episode_id": ["E1", "E2", "E3"], "sex": [1, 2, 1]})
    with pd.ExcelWriter(synth / "HC_Reablement_2025-11.xlsx") as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="Notes", index=False)
        workbook.to_excel(writer, sheet_name="Reablement", index=False)
    out = tmp_path / "out"
    assert main(synth, out, ingest_only=True) == {"files": 2, "rows": 5}
    written = [pd.read_parquet(p) for p in sorted(out.glob("*.parquet"))]
    assert sorted(len(frame) for frame in written) == [2, 3]
    assert {"episode_id": "E1", "sex": "1"} in pd.concat(written)[["episode_id", "sex"]].to_dict("records")
