-- Grain: one row per measure, period, area (type and code) and breakdown value: every measure in the registry
-- for the areas and breakdowns it declares, in the Fingertips-like long shape. Unrounded (disclosure control
-- happens at publication). Value by value type, Wilson limits for proportions and Byar's (exact Poisson below
-- 10 events) for rates at 95% and 99.8%, target and best value from the registry's polarity.
with grouped as (
    select * from {{ ref('int_measure_values_grouped') }}
),

measures as (
    select * from {{ ref('measures') }}
),

declared as (
    select
        grouped.*,
        case
            when measures.period_type = 'month' and grouped.period_end > {{ month_end('grouped.period_start') }}
                then 'quarter'
            else measures.period_type
        end as period_type,
        measures.unit,
        measures.value_type,
        measures.polarity,
        measures.target_value as target,
        measures.version as registry_version,
        {{ dbt.datediff('grouped.period_start', 'grouped.period_end', 'day') }} + 1 as days_in_period
    from grouped
    inner join measures on grouped.measure_id = measures.measure_id
    where
        {{ registry_list_has('measures.areas', 'grouped.area_type') }}
        and {{ registry_list_has('measures.breakdowns', 'grouped.breakdown') }}
),

valued as (
    select
        *,
        {{ measure_value() }} as value,
        {{ measure_limit('lower', 0.95) }} as lower_95,
        {{ measure_limit('upper', 0.95) }} as upper_95,
        {{ measure_limit('lower', 0.998) }} as lower_998,
        {{ measure_limit('upper', 0.998) }} as upper_998
    from declared
),

compared as (
    select
        *,
        case
            when area_type = 'system' then null
            when polarity = 'higher_is_better'
                then max(value) over (
                    partition by measure_id, period_start, period_end, area_type, breakdown, breakdown_value
                )
            when polarity = 'lower_is_better'
                then min(value) over (
                    partition by measure_id, period_start, period_end, area_type, breakdown, breakdown_value
                )
        end as best_value,
        case
            when target is null or value is null then null
            when polarity = 'higher_is_better' then value >= target
            when polarity = 'lower_is_better' then value <= target
        end as meets_target
    from valued
),

final as (
    select
        measure_id,
        period_type,
        period_start,
        period_end,
        area_type,
        area_code,
        breakdown,
        breakdown_value,
        numerator,
        denominator,
        value,
        lower_95,
        upper_95,
        lower_998,
        upper_998,
        unit,
        target,
        meets_target,
        best_value,
        abs(best_value - value) as gap_to_best,
        registry_version
    from compared
)

select * from final
