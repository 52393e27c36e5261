-- Grain: one row per mental health care contact at Herefordshire and Worcestershire Health and Care NHS Trust
-- (R1A), current rows of the r1a_mh_contacts feed (MHSDS-like), renamed. Personal data already pseudonymised.
with source as (
    select * from {{ ref('lake__r1a_mh_contacts') }}
),

renamed as (
    select
        contact_id,
        referral_id,
        'R1A' as organisation_code,
        {{ person_key('person_id') }} as person_id,
        age_years,
        age_band,
        sex as sex_code,
        ethnic_category as ethnic_category_code,
        lsoa_code as lsoa11_code,
        gp_practice_code,
        service_team_type as service_team_type_code,
        contact_datetime as contact_at,
        consultation_medium as consultation_medium_code,
        attendance_status as attendance_status_code,
        duration_minutes,
        _period as period_month,
        _batch_id as batch_id
    from source
)

select * from renamed
