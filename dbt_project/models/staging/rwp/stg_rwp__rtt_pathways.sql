-- Grain: one row per open referral-to-treatment pathway per weekly census date at Worcestershire Acute Hospitals
-- (RWP), current deliveries only.
{{ stg_rtt_pathways('rwp_rtt', 'RWP') }}
