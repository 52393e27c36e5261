-- Grain: one row per calendar month of hospital discharge that both councils' reablement feeds have delivered
-- (month_start is the key): a council has delivered a month when its current rows hold episodes discharged in it
-- (each monthly file holds the episodes discharged in its month; late rows count). For each such month:
-- whether the 91st day after its last discharge (month end plus 91 days) lies inside the delivered data (this
-- month and every month up to the one holding that day delivered by both councils), and whether the hospital
-- discharges it is linked to are inside the data (both acute trusts delivered the month, the two months before it,
-- whose admissions end in it, and the month after, for a discharge a day later than the council's).
{%- set follow_up_days = 91 %}

with episodes as (
    select * from {{ ref('int_reablement_episodes_unioned') }}
),

apc_months as (
    select * from {{ ref('int_apc_months_delivered') }}
),

council_months as (
    select
        discharge_month as month_start,
        count(distinct organisation_code) as councils
    from episodes
    group by discharge_month
),

delivered as (
    select
        month_start,
        {{ month_end('month_start') }} as month_end
    from council_months
    where councils = 2
),

windows as (
    select
        month_start,
        month_end,
        cast({{ dbt.dateadd('day', follow_up_days, 'month_end') }} as date) as follow_up_end,
        {{ month_start(dbt.dateadd('day', follow_up_days, 'month_end')) }} as follow_up_last_month,
        cast({{ dbt.dateadd('month', 1, 'month_start') }} as date) as next_month
    from delivered
),

counted as (
    select
        windows.month_start,
        windows.month_end,
        windows.follow_up_end,
        {{ dbt.datediff('windows.month_start', 'windows.follow_up_last_month', 'month') }} + 1 as follow_up_months,
        count(
            case when delivered.month_start between windows.month_start and windows.follow_up_last_month then 1 end
        ) as follow_up_months_delivered,
        windows.next_month
    from windows
    cross join delivered
    group by
        windows.month_start,
        windows.month_end,
        windows.follow_up_end,
        windows.follow_up_last_month,
        windows.next_month
),

final as (
    select
        counted.month_start,
        counted.month_end,
        counted.follow_up_end,
        counted.follow_up_months_delivered = counted.follow_up_months as is_follow_up_delivered,
        coalesce(this_month.is_history_delivered and next_month.month_start is not null, false)
            as is_linkage_delivered
    from counted
    left join apc_months as this_month on counted.month_start = this_month.month_start
    left join apc_months as next_month on counted.next_month = next_month.month_start
)

select * from final
