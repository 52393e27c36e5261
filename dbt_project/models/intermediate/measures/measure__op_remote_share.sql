-- Measure op_remote_share (measures/op_remote_share.yaml). Grain: one row per attended outpatient appointment
-- (the denominator: attendance status 5 seen on time or 6 arrived late and seen), period = appointment month;
-- numerator 1 when the consultation medium is 02 (telephone) or 03 (video).
{{ measure_records(
    measure_id='op_remote_share',
    source=ref('int_outpatient_appointments_unioned'),
    event_at='appointment_at',
    numerator="consultation_medium_code in ('02', '03')",
    in_scope="attendance_status_code in ('5', '6')",
) }}
