-- Measure reablement_linked_to_discharge (measures/reablement_linked_to_discharge.yaml). Grain: one row per
-- reablement episode of a person aged 65+ (the denominator: measure reablement_at_home_91d's cohort), period =
-- month of the council's hospital discharge date, published once the acute trusts' discharges around it are
-- delivered; numerator 1 when the person has a discharge from either acute trust within one day of that date.
with episodes as (
    select * from {{ ref('int_reablement_episodes_linked') }}
),

months as (
    select * from {{ ref('int_reablement_months_delivered') }}
),

in_scope as (
    select
        episodes.*,
        months.month_start as period_start,
        months.month_end as period_end
    from episodes
    inner join months on episodes.discharge_month = months.month_start
    where
        months.is_linkage_delivered
        and {{ is_reablement_cohort('episodes.age_years') }}
),

final as (
    select
        'reablement_linked_to_discharge' as measure_id,
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
        {{ measure_flag('is_linked_to_discharge') }} as numerator,
        {{ as_double(1) }} as denominator,
        {{ as_double('null') }} as value_item
    from in_scope
)

select * from final
