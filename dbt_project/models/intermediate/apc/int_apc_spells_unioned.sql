-- Grain: one row per hospital spell at either acute trust (rwp_apc, rlq_apc; key organisation_code, spell_id).
-- The source of the admitted patient care measures. Both staging models come from one macro (stg_apc_spells),
-- so their columns line up.
with rwp_spells as (
    select * from {{ ref('stg_rwp__apc_spells') }}
),

rlq_spells as (
    select * from {{ ref('stg_rlq__apc_spells') }}
),

spells as (
    select * from rwp_spells
    union all
    select * from rlq_spells
),

final as (
    select * from spells
)

select * from final
