-- Measure emergency_readmission_30d (measures/emergency_readmission_30d.yaml). Grain: one row per index spell
-- (the denominator: int_apc_index_spells_followed), period = month of the index discharge, only months whose
-- 30-day follow-up lies inside the delivered data; numerator 1 when an emergency readmission followed 0 to 29
-- days after the discharge date, at either trust (counted once however many followed).
{{ readmission_measure_records(
    measure_id='emergency_readmission_30d',
    numerator='is_readmitted',
) }}
