-- Measure care_closer_to_home_share (measures/care_closer_to_home_share.yaml), a local definition. Grain: one row
-- per item of care in the community or in hospital (the denominator: int_care_setting_activities_unioned),
-- period = month of the contact, arrival, admission or appointment, only months every source feed delivered
-- (each of the nine feeds holds activity in the month); numerator 1 for the community setting.
{%- set feeds_by_activity_and_organisation = 9 %}

with activities as not materialized (
    select * from {{ ref('int_care_setting_activities_unioned') }}
),

delivered_months as (
    select event_month
    from activities
    group by event_month
    having count(distinct activity || '|' || organisation_code) = {{ feeds_by_activity_and_organisation }}
),

in_scope as (
    select
        activities.*,
        activities.event_month as period_start,
        {{ month_end('activities.event_month') }} as period_end
    from activities
    inner join delivered_months on activities.event_month = delivered_months.event_month
),

final as (
    select
        {{ measure_record('care_closer_to_home_share', 'event_date', measure_flag("care_setting = 'community'"),
                          as_double(1)) }}
    from in_scope
)

select * from final
