-- Measure emergency_readmission_30d_other_trust (measures/emergency_readmission_30d_other_trust.yaml). Grain:
-- one row per readmitted index spell of emergency_readmission_30d (the denominator), period = month of the index
-- discharge, the same published months; numerator 1 when its first readmission was at the other trust.
{{ readmission_measure_records(
    measure_id='emergency_readmission_30d_other_trust',
    numerator='is_readmitted_at_other_trust',
    readmitted_only=true,
) }}
