-- Grain: one row per Healthwatch feedback item (key healthwatch_code, feedback_id) received in a published
-- quarter: one whose three months both Healthwatch feeds hold feedback received in (the feeds append, so a month
-- with no feedback from one of them is taken as not yet delivered). period_start and period_end: the calendar
-- quarter of received_date. No free text: the staging models do not select the comment.
with herefordshire_items as (
    select * from {{ ref('stg_hwherefs__feedback_items') }}
),

worcestershire_items as (
    select * from {{ ref('stg_hwworcs__feedback_items') }}
),

items as (
    select * from herefordshire_items
    union all
    select * from worcestershire_items
),

dated as (
    select
        *,
        cast({{ dbt.date_trunc('quarter', 'received_date') }} as date) as period_start,
        {{ month_start('received_date') }} as received_month
    from items
),

delivered_months as (
    select
        period_start,
        received_month
    from dated
    group by period_start, received_month
    having count(distinct healthwatch_code) = 2
),

published_quarters as (
    select period_start
    from delivered_months
    group by period_start
    having count(*) = 3
),

final as (
    select
        dated.*,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'dated.period_start')) }} as date) as period_end
    from dated
    inner join published_quarters on dated.period_start = published_quarters.period_start
)

select * from final
