-- Grain: one row per outpatient appointment at Wye Valley NHS Trust (RLQ), current batch of each month.
{{ stg_outpatient_appointments('rlq_outpatients', 'RLQ') }}
