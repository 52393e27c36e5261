-- Grain: one row per emergency care attendance (every trust's ECDS feed), with time in department, the 4-hour
-- flag and the deprivation of the patient's LSOA of residence. The quintile group is the breakdown value: the
-- national quintile for an English residence, 'outside_england' for a Welsh one (outside England's index, never
-- given an English quintile), 'unknown' when no LSOA was sent.
with rwp_attendances as (
    select * from {{ ref('stg_rwp__ecds_attendances') }}
),

rlq_attendances as (
    select * from {{ ref('stg_rlq__ecds_attendances') }}
),

lsoas as (
    select * from {{ ref('lsoas') }}
),

attendances as (
    select * from rwp_attendances
    union all by name
    select * from rlq_attendances
),

timed as (
    select
        *,
        date_diff('second', arrived_at, departed_at) as seconds_in_department
    from attendances
),

final as (
    select
        timed.attendance_id,
        timed.organisation_code,
        timed.site_code,
        timed.person_id,
        timed.age_band,
        timed.sex_code,
        timed.ethnic_category_code,
        timed.lsoa11_code,
        timed.department_type,
        timed.acuity,
        timed.arrived_at,
        timed.departed_at,
        cast(date_trunc('month', timed.arrived_at) as date) as arrival_month,
        timed.seconds_in_department / 60.0 as minutes_in_department,
        timed.seconds_in_department <= {{ var('four_hour_minutes') }} * 60 as is_within_four_hours,
        lsoas.country as residence_country,
        lsoas.imd_decile,
        lsoas.imd_quintile,
        case
            when lsoas.country = 'England' then cast(lsoas.imd_quintile as varchar)
            when lsoas.country is not null then 'outside_england'
            else 'unknown'
        end as imd_quintile_group,
        lsoas.is_rural,
        timed.batch_id
    from timed
    left join lsoas on timed.lsoa11_code = lsoas.lsoa11_code
)

select * from final
