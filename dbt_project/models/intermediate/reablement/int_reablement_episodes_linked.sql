-- Grain: one row per reablement episode of either council (key organisation_code, episode_id), with whether the
-- person has a hospital discharge from either acute trust within one day of the episode's hospital discharge date
-- (the trust's discharge date minus the council's between -1 and +1 days), joined by person_id: the link no
-- single organisation can make. An episode without a person_id cannot be linked.
{%- set days_apart = 1 %}

with episodes as (
    select * from {{ ref('int_reablement_episodes_unioned') }}
),

spells as (
    select * from {{ ref('int_apc_spells_unioned') }}
),

matched as (
    select distinct
        episodes.organisation_code,
        episodes.episode_id
    from episodes
    inner join spells
        on
            episodes.person_id = spells.person_id
            and spells.discharge_date between
            cast({{ dbt.dateadd('day', -days_apart, 'episodes.hospital_discharge_date') }} as date)
            and cast({{ dbt.dateadd('day', days_apart, 'episodes.hospital_discharge_date') }} as date)
),

final as (
    select
        episodes.*,
        matched.episode_id is not null as is_linked_to_discharge
    from episodes
    left join matched
        on
            episodes.organisation_code = matched.organisation_code
            and episodes.episode_id = matched.episode_id
)

select * from final
