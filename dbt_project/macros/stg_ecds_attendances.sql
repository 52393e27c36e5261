{#-
  The body of an ECDS staging model (one row per attendance, current rows only): rename and cast, nothing
  else. Every trust's ECDS feed has the same contract columns, so each staging model is one call; the minor
  injury units' feed has them too except the arrival mode (with_arrival_mode=false).
-#}
{% macro stg_ecds_attendances(feed_id, organisation_code, with_arrival_mode=true) -%}
with source as (
    select * from {{ ref('lake__' ~ feed_id) }}
),

renamed as (
    select
        attendance_id,
        '{{ organisation_code }}' as organisation_code,
        {{ person_key('person_id') }} as person_id,
        age_years,
        age_band,
        sex as sex_code,
        ethnic_category as ethnic_category_code,
        lsoa_code as lsoa11_code,
        gp_practice_code,
        site_code,
        department_type,
        {%- if with_arrival_mode %}
        arrival_mode as arrival_mode_code,
        {%- endif %}
        acuity,
        arrival_datetime as arrived_at,
        departure_datetime as departed_at,
        discharge_destination as discharge_destination_code,
        _period as period_month,
        _batch_id as batch_id
    from source
)

select * from renamed
{%- endmacro %}
