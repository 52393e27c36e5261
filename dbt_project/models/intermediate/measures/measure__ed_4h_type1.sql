-- Measure ed_4h_type1 (measures/ed_4h_type1.yaml). Grain: one row per attendance at a type 01 department (the
-- denominator), period = arrival month; numerator 1 when the departure is at most 240 minutes (14,400 seconds)
-- after arrival.
{{ ed_measure_records(
    measure_id='ed_4h_type1',
    numerator='seconds_in_department <= ' ~ var('four_hour_minutes') ~ ' * 60',
    department_types=['01'],
) }}
