-- Measure emergency_admission_rate_dsr (measures/emergency_admission_rate_dsr.yaml). Grain: one row per spell
-- admitted as an emergency (method 21-28) in a month both acute trusts delivered (the events; numerator 1,
-- denominator 0: the denominator is the registered population), period = admission month.
{{ emergency_admission_records(measure_id='emergency_admission_rate_dsr') }}
