-- Grain: one row per emergency care attendance at Wye Valley NHS Trust (RLQ), current batch only.
{{ stg_ecds_attendances('rlq_ecds', 'RLQ') }}
