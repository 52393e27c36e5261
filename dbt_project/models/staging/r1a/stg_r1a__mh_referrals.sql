-- Grain: one row per mental health referral received by Herefordshire and Worcestershire Health and Care NHS
-- Trust (R1A), current rows of the r1a_mh_referrals feed (MHSDS-like), renamed. Personal data already
-- pseudonymised at ingest.
with source as (
    select * from {{ ref('lake__r1a_mh_referrals') }}
),

renamed as (
    select
        referral_id,
        'R1A' as organisation_code,
        {{ person_key('person_id') }} as person_id,
        age_years,
        age_band,
        sex as sex_code,
        ethnic_category as ethnic_category_code,
        lsoa_code as lsoa11_code,
        gp_practice_code,
        referral_received_date,
        service_team_type as service_team_type_code,
        source_of_referral as source_of_referral_code,
        primary_reason_for_referral as primary_reason_for_referral_code,
        clinical_priority as clinical_priority_code,
        _period as period_month,
        _batch_id as batch_id
    from source
)

select * from renamed
