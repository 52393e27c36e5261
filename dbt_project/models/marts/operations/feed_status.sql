-- Is each feed's most recent overdue period delivered? The rule of outcomes/late_feeds.py (the late_feeds DAG's
-- alerts) in SQL, so analysts can ask it of the snapshot: a view, judged when it is queried (on the day of the
-- query, or on the clock OUTCOMES_AS_OF gave the build) over the ledger as it is then.
{%- set as_of = var('as_of', '') %}

with

cadences as (
    select *
    from (
        values
        {%- for feed in feed_cadences() %}
            ('{{ feed.feed_id }}', '{{ feed.frequency }}', {{ feed.deadline_days }}){{ ',' if not loop.last }}
        {%- else %}
            (null, null, null)
        {%- endfor %}
    ) as declared (feed_id, frequency, deadline_days)
    where feed_id is not null
),

ledger as (
    {% if files_exist(var('lake_dir') ~ '/ledger/*.json') %}
        select * from {{ source('lake', 'ledger') }}
    {% else %}
        -- nothing delivered yet: every feed is late (never delivered)
        select
            cast(null as varchar) as feed_id,
            cast(null as varchar) as status,
            cast(null as varchar) as declared_period,
            cast(null as varchar) as period_start,
            cast(null as varchar) as period_end,
            cast(null as varchar) as finished_at
        where false
    {% endif %}
),

loaded as (
    select
        feed_id,
        try_cast(left(declared_period, 10) as date) as declared_period,
        try_cast(left(period_start, 10) as date) as period_start,
        coalesce(try_cast(left(period_end, 10) as date), try_cast(left(period_start, 10) as date)) as period_end,
        finished_at
    from ledger
    where status = 'loaded'
),

clock as (
    select
        {%- if as_of == 'data' %}
            coalesce(
                (select max(try_cast(left(period_end, 10) as date)) + 1 from ledger where status = 'loaded'),
                current_date
            ) as judged_on
        {%- elif as_of %}
            date '{{ as_of }}' as judged_on
        {%- else %}
            current_date as judged_on
        {%- endif %}
),

overdue_day as (
    -- a period ending on or before this day is past its deadline on judged_on
    select
        cadences.*,
        clock.judged_on,
        cast(clock.judged_on - (cadences.deadline_days + 1) as date) as last_overdue_end,
        case cadences.frequency
            when 'daily' then 'day' when 'weekly' then 'week' when 'monthly' then 'month'
            when 'quarterly' then 'quarter' when 'annual' then 'year'
        end as unit,
        case cadences.frequency
            when 'daily' then interval 1 day when 'weekly' then interval 7 day when 'monthly' then interval 1 month
            when 'quarterly' then interval 3 month when 'annual' then interval 1 year
        end as period_length
    from cadences
    cross join clock
),

containing as (
    select
        *,
        cast(date_trunc(unit, last_overdue_end) as date) as containing_start
    from overdue_day
),

due as (
    -- the most recent whole period ending on or before last_overdue_end: the one containing it if it ends there,
    -- else the one before
    select
        *,
        case
            when cast(containing_start + period_length - interval 1 day as date) > last_overdue_end
                then cast(containing_start - 1 as date)
            else cast(containing_start + period_length - interval 1 day as date)
        end as due_period_end
    from containing
),

due_periods as (
    select
        feed_id,
        frequency,
        deadline_days,
        judged_on,
        cast(date_trunc(unit, due_period_end) as date) as due_period_start,
        due_period_end,
        cast(due_period_end + deadline_days as date) as deadline
    from due
),

deliveries as (
    select
        due_periods.feed_id,
        count(loaded.feed_id) as files_loaded,
        max(coalesce(loaded.declared_period, loaded.period_end)) as latest_period_loaded,
        max(loaded.finished_at) as last_loaded_at,
        coalesce(bool_or(
            case
                when loaded.declared_period is not null
                    then loaded.declared_period between due_periods.due_period_start and due_periods.due_period_end
                else
                    loaded.period_start <= due_periods.due_period_end
                    and loaded.period_end >= due_periods.due_period_start
            end
        ), false) as due_period_delivered
    from due_periods
    left join loaded on due_periods.feed_id = loaded.feed_id
    group by due_periods.feed_id
),

final as (
    select
        due_periods.feed_id,
        due_periods.frequency,
        due_periods.deadline_days,
        due_periods.judged_on,
        due_periods.due_period_start,
        due_periods.due_period_end,
        due_periods.deadline,
        deliveries.files_loaded,
        deliveries.latest_period_loaded,
        deliveries.last_loaded_at,
        not deliveries.due_period_delivered as is_late,
        case when not deliveries.due_period_delivered then due_periods.judged_on - due_periods.deadline end
            as days_past_deadline
    from due_periods
    inner join deliveries on due_periods.feed_id = deliveries.feed_id
)

select * from final
