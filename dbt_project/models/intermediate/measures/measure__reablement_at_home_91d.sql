-- Measure reablement_at_home_91d (measures/reablement_at_home_91d.yaml). Grain: one row per reablement episode of
-- a person aged 65+ (the denominator; deaths stay in) and period: the month of the hospital discharge, published
-- once the 91st day after the month's last discharge lies inside the delivered data, and the ASCOF collection
-- period (period_start 1 October, period_end 31 December), published once that holds for all three months.
-- Numerator 1 when the council recorded the person at home 91 days after discharge.
with episodes as (
    select * from {{ ref('int_reablement_episodes_unioned') }}
),

months as (
    select * from {{ ref('int_reablement_months_delivered') }}
),

cohort as (
    select
        episodes.*,
        months.month_end as discharge_month_end,
        months.is_follow_up_delivered
    from episodes
    inner join months on episodes.discharge_month = months.month_start
    where {{ is_reablement_cohort('episodes.age_years') }}
),

collection_periods as (
    select
        min(month_start) as period_start,
        max(month_end) as period_end
    from months
    where
        extract(month from month_start) in {{ ascof_collection_months() }}
        and is_follow_up_delivered
    group by extract(year from month_start)
    having count(*) = 3
),

monthly as (
    select
        *,
        discharge_month as period_start,
        discharge_month_end as period_end
    from cohort
    where is_follow_up_delivered
),

collected as (
    select
        cohort.*,
        collection_periods.period_start,
        collection_periods.period_end
    from cohort
    inner join collection_periods
        on cohort.hospital_discharge_date between collection_periods.period_start and collection_periods.period_end
),

periods as (
    select * from monthly
    union all
    select * from collected
),

final as (
    select
        'reablement_at_home_91d' as measure_id,
        period_start,
        period_end,
        organisation_code,
        cast(null as varchar) as site_code,
        person_id,
        hospital_discharge_date as event_date,
        lsoa11_code,
        cast(age_years as integer) as age_years,
        sex_code,
        ethnic_category_code,
        {{ measure_flag('is_at_home_91_days') }} as numerator,
        {{ as_double(1) }} as denominator,
        {{ as_double('null') }} as value_item
    from periods
)

select * from final
