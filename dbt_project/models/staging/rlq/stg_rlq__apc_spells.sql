-- Grain: one row per hospital spell at Wye Valley NHS Trust (RLQ), current rows of the rlq_apc feed.
{{ stg_apc_spells('rlq_apc', 'RLQ') }}
