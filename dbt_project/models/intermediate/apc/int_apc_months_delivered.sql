-- Grain: one row per calendar month that both acute trusts' admitted patient care feeds have delivered (month_start
-- is the key): a month counts as delivered by a feed when its current rows hold spells admitted in that month
-- (each monthly file holds the spells admitted in its month). For each such month, whether the 30-day follow-up of
-- its last discharge (month end plus 29 days) lies inside the delivered data (this month and every month up to
-- the one holding that day delivered by both feeds), and whether the two months before it were delivered by both
-- too (the stays of the month's patients started inside the data).
{%- set history_months = 2 %}

with rwp_spells as (
    select * from {{ ref('stg_rwp__apc_spells') }}
),

rlq_spells as (
    select * from {{ ref('stg_rlq__apc_spells') }}
),

rwp_months as (
    select distinct admission_month as month_start
    from rwp_spells
),

rlq_months as (
    select distinct admission_month as month_start
    from rlq_spells
),

delivered as (
    select
        rwp_months.month_start,
        {{ month_end('rwp_months.month_start') }} as month_end
    from rwp_months
    inner join rlq_months on rwp_months.month_start = rlq_months.month_start
),

windows as (
    select
        month_start,
        month_end,
        cast({{ dbt.dateadd('day', readmission_last_day(), 'month_end') }} as date) as follow_up_end,
        {{ month_start(dbt.dateadd('day', readmission_last_day(), 'month_end')) }} as follow_up_last_month,
        cast({{ dbt.dateadd('month', -history_months, 'month_start') }} as date) as history_first_month
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
        count(
            case when delivered.month_start between windows.history_first_month and windows.month_start then 1 end
        ) as history_months_delivered
    from windows
    cross join delivered
    group by windows.month_start, windows.month_end, windows.follow_up_end, windows.follow_up_last_month
),

final as (
    select
        month_start,
        month_end,
        follow_up_end,
        follow_up_months_delivered = follow_up_months as is_follow_up_delivered,
        history_months_delivered = {{ history_months }} + 1 as is_history_delivered
    from counted
)

select * from final
