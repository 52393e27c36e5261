-- Grain: one row per outpatient appointment at Worcestershire Acute Hospitals (RWP), current batch of each month.
{{ stg_outpatient_appointments('rwp_outpatients', 'RWP') }}
