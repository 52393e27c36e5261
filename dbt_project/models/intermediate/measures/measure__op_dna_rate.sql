-- Measure op_dna_rate (measures/op_dna_rate.yaml). Grain: one row per outpatient appointment with attendance
-- status 3, 5, 6 or 7 (the denominator: did not attend, seen on time, arrived late and seen, arrived late not
-- seen), period = appointment month; numerator 1 when the status is 3 (did not attend).
{{ measure_records(
    measure_id='op_dna_rate',
    source=ref('int_outpatient_appointments_unioned'),
    event_at='appointment_at',
    numerator="attendance_status_code = '3'",
    in_scope="attendance_status_code in ('3', '5', '6', '7')",
) }}
