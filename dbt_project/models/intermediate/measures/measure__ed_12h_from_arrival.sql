-- Measure ed_12h_from_arrival (measures/ed_12h_from_arrival.yaml). Grain: one row per attendance at a type 01
-- department (the denominator), period = arrival month; numerator 1 when the departure is more than 720 minutes
-- (43,200 seconds) after arrival.
{{ ed_measure_records(
    measure_id='ed_12h_from_arrival',
    numerator='seconds_in_department > 720 * 60',
    department_types=['01'],
) }}
