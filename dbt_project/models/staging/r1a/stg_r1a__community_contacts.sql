-- Grain: one row per community care contact at Herefordshire and Worcestershire Health and Care NHS Trust (R1A),
-- current rows of the r1a_community feed (CSDS-like), renamed. Personal data already pseudonymised at ingest.
with source as (
    select * from {{ ref('lake__r1a_community') }}
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
        team_type as team_type_code,
        referral_received_datetime as referral_received_at,
        contact_datetime as contact_at,
        first_contact = 'Y' as is_first_contact,
        consultation_medium as consultation_medium_code,
        contact_location as contact_location_code,
        attendance_status as attendance_status_code,
        duration_minutes,
        _period as period_month,
        _batch_id as batch_id
    from source
)

select * from renamed
