-- Measure ed_attendance_rate_dsr (measures/ed_attendance_rate_dsr.yaml). Grain: one row per attendance at every
-- department type (the events; numerator 1, denominator 0: the denominator is the registered population, from
-- int_registered_population_banded), period = arrival month. Standardised in int_measure_values_standardised.
{{ ed_measure_records(
    measure_id='ed_attendance_rate_dsr',
    numerator='true',
    denominator=0,
) }}
