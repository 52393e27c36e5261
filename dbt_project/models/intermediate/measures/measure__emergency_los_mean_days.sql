-- Measure emergency_los_mean_days (measures/emergency_los_mean_days.yaml). Grain: one row per emergency spell
-- (method 21-28) discharged in the month (the denominator), value_item = discharge date minus admission date in
-- days; the mean is taken in marts.measure_values.
{{ emergency_los_records(measure_id='emergency_los_mean_days') }}
