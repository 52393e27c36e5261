-- Grain: one row per open referral-to-treatment pathway per weekly census date at Wye Valley NHS Trust (RLQ),
-- current deliveries only.
{{ stg_rtt_pathways('rlq_rtt', 'RLQ') }}
