-- Grain: one row per mental health hospital spell of Herefordshire and Worcestershire Health and Care NHS Trust
-- (R1A) ended in a delivered month, current rows of the r1a_mh_spells feed (MHSDS-like), renamed. Personal data
-- already pseudonymised at ingest.
with source as (
    select * from {{ ref('lake__r1a_mh_spells') }}
),

renamed as (
    select
        hospital_spell_id,
        'R1A' as organisation_code,
        {{ person_key('person_id') }} as person_id,
        age_years,
        age_band,
        sex as sex_code,
        ethnic_category as ethnic_category_code,
        lsoa_code as lsoa11_code,
        gp_practice_code,
        ward_type as ward_type_code,
        admission_datetime as admitted_at,
        discharge_datetime as discharged_at,
        discharge_destination as discharge_destination_code,
        _period as period_month,
        _batch_id as batch_id
    from source
)

select * from renamed
