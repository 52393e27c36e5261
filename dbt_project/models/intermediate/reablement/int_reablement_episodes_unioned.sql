-- Grain: one row per reablement episode of either council (e06000019_reablement, e10000034_reablement; key
-- organisation_code, episode_id), both staging models coming from one macro (stg_reablement_episodes).
with herefordshire_episodes as (
    select * from {{ ref('stg_e06000019__reablement_episodes') }}
),

worcestershire_episodes as (
    select * from {{ ref('stg_e10000034__reablement_episodes') }}
),

episodes as (
    select * from herefordshire_episodes
    union all
    select * from worcestershire_episodes
),

final as (
    select
        *,
        {{ month_start('hospital_discharge_date') }} as discharge_month
    from episodes
)

select * from final
