-- Grain: one row per hospital spell at Worcestershire Acute Hospitals (RWP), current rows of the rwp_apc feed.
{{ stg_apc_spells('rwp_apc', 'RWP') }}
