{#-
  The body of an outpatient staging model (one row per appointment, current deliveries only): rename and cast,
  nothing else. Both acute trusts' outpatient feeds have the same contract columns, so each staging model is one
  call.
-#}
{% macro stg_outpatient_appointments(feed_id, organisation_code) -%}
with source as (
    select * from {{ ref('lake__' ~ feed_id) }}
),

renamed as (
    select
        appointment_id,
        '{{ organisation_code }}' as organisation_code,
        {{ person_key('person_id') }} as person_id,
        age_years,
        age_band,
        sex as sex_code,
        ethnic_category as ethnic_category_code,
        lsoa_code as lsoa11_code,
        gp_practice_code,
        site_code,
        treatment_function_code,
        first_attendance as first_attendance_code,
        consultation_medium as consultation_medium_code,
        priority_type as priority_type_code,
        attendance_status as attendance_status_code,
        appointment_datetime as appointment_at,
        _period as period_month,
        _batch_id as batch_id
    from source
)

select * from renamed
{%- endmacro %}
