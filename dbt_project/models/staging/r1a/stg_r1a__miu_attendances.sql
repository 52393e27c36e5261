-- Grain: one row per minor injury unit attendance at Herefordshire and Worcestershire Health and Care NHS Trust
-- (R1A), current rows of the r1a_miu feed. Renamed like the trusts' ECDS staging models; the feed sends no
-- arrival mode.
with source as (
    select * from {{ ref('lake__r1a_miu') }}
),

renamed as (
    select
        attendance_id,
        'R1A' as organisation_code,
        person_id,
        age_years,
        age_band,
        sex as sex_code,
        ethnic_category as ethnic_category_code,
        lsoa_code as lsoa11_code,
        gp_practice_code,
        site_code,
        department_type,
        acuity,
        arrival_datetime as arrived_at,
        departure_datetime as departed_at,
        discharge_destination as discharge_destination_code,
        _period as period_month,
        _batch_id as batch_id
    from source
)

select * from renamed
