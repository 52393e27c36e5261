-- Grain: one row per community care contact at Herefordshire and Worcestershire Health and Care NHS Trust (R1A),
-- current rows of the r1a_community feed (CSDS-like), renamed.
with source as (
    select * from {{ ref('lake__r1a_community') }}
),

renamed as (
    select
        contact_id,
        referral_id,
        'R1A' as organisation_code,
        person_id,
        age_years,
        sex as sex_code,
        ethnic_category as ethnic_category_code,
        lsoa_code as lsoa11_code,
        gp_practice_code,
        team_type as team_type_code,
        referral_received_datetime as referral_received_at,
        contact_datetime as contacted_at,
        first_contact as first_contact_flag,
        consultation_medium as consultation_medium_code,
        contact_location as contact_location_code,
        attendance_status as attendance_status_code,
        duration_minutes,
        _batch_id as batch_id
    from source
)

select * from renamed
