-- Measure ed_4h_all_types (measures/ed_4h_all_types.yaml). Grain: one row per attendance at every department
-- type (the denominator), period = arrival month; numerator 1 when the departure is at most 240 minutes
-- (14,400 seconds) after arrival.
{{ ed_measure_records(
    measure_id='ed_4h_all_types',
    numerator='seconds_in_department <= ' ~ var('four_hour_minutes') ~ ' * 60',
) }}
