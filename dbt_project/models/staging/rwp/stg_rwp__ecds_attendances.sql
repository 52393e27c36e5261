-- Grain: one row per emergency care attendance at Worcestershire Acute Hospitals (RWP), current batch only.
{{ stg_ecds_attendances('rwp_ecds', 'RWP') }}
