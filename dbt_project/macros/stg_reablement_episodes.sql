{#-
  The body of a reablement staging model (one row per reablement episode, current rows only): rename and cast,
  nothing else. Both councils' reablement feeds have the same contract columns, so each staging model is one
  call; the council's code becomes organisation_code.
-#}
{% macro stg_reablement_episodes(feed_id, council_code) -%}
with source as (
    select * from {{ ref('lake__' ~ feed_id) }}
),

renamed as (
    select
        episode_id,
        '{{ council_code }}' as organisation_code,
        {{ person_key('person_id') }} as person_id,
        age_years,
        sex as sex_code,
        ethnic_category as ethnic_category_code,
        lsoa_code as lsoa11_code,
        discharging_provider as discharging_provider_code,
        hospital_discharge_date,
        reablement_start_date,
        reablement_end_date,
        at_home_91_days as is_at_home_91_days,
        _batch_id as batch_id
    from source
)

select * from renamed
{%- endmacro %}
