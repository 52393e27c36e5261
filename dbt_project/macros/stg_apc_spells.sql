{#-
  The body of an admitted patient care staging model (one row per hospital spell, current rows only): rename
  and cast, nothing else. Both acute trusts' APC feeds have the same contract columns, so each staging model is
  one call.
-#}
{% macro stg_apc_spells(feed_id, organisation_code) -%}
with source as (
    select * from {{ ref('lake__' ~ feed_id) }}
),

renamed as (
    select
        spell_id,
        '{{ organisation_code }}' as organisation_code,
        {{ person_key('person_id') }} as person_id,
        age_years,
        age_band,
        sex as sex_code,
        ethnic_category as ethnic_category_code,
        lsoa_code as lsoa11_code,
        gp_practice_code,
        site_code,
        admission_method as admission_method_code,
        patient_classification as patient_classification_code,
        treatment_function_code,
        primary_diagnosis as primary_diagnosis_code,
        admission_date,
        discharge_date,
        discharge_destination as discharge_destination_code,
        _period as admission_month,
        _batch_id as batch_id
    from source
)

select * from renamed
{%- endmacro %}
