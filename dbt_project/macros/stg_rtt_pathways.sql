{#-
  The body of an RTT waiting-list staging model (one row per open pathway per weekly census date, current
  deliveries only): rename and cast, nothing else. Both acute trusts' RTT feeds have the same contract columns,
  so each staging model is one call. The feed sends no ethnic category.
-#}
{% macro stg_rtt_pathways(feed_id, organisation_code) -%}
with source as (
    select * from {{ ref('lake__' ~ feed_id) }}
),

renamed as (
    select
        snapshot_date,
        pathway_id,
        '{{ organisation_code }}' as organisation_code,
        {{ person_key('person_id') }} as person_id,
        age_years,
        age_band,
        sex as sex_code,
        lsoa_code as lsoa11_code,
        gp_practice_code,
        site_code,
        treatment_function_code,
        priority_type as priority_type_code,
        clock_start_date,
        cast(weeks_waited as integer) as weeks_waited_sent,
        _batch_id as batch_id
    from source
)

select * from renamed
{%- endmacro %}
