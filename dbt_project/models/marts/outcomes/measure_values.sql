-- Grain: one row per measure, period, area (type and code) and breakdown value: every measure in the registry
-- for the areas and breakdowns it declares, in the Fingertips-like long shape. Unrounded (disclosure control
-- happens at publication). Value by value type, Wilson limits for proportions and Byar's (exact Poisson below
-- 10 events) for rates at 95% and 99.8%, directly standardised rates (dsr) with Dobson limits from
-- int_measure_values_standardised, target and best value from the registry's polarity, and each value compared
-- with the system's (compared_to_system, as Fingertips benchmarks).
with grouped as (
    select * from {{ ref('int_measure_values_grouped') }}
),

standardised as (
    select * from {{ ref('int_measure_values_standardised') }}
),

measures as (
    select * from {{ ref('measures') }}
),

sourced as (
    select
        grouped.measure_id,
        grouped.period_start,
        grouped.period_end,
        grouped.area_type,
        grouped.area_code,
        grouped.breakdown,
        grouped.breakdown_value,
        grouped.numerator,
        grouped.denominator,
        grouped.mean_item,
        grouped.median_item,
        cast(null as double) as standardised_value,
        cast(null as double) as standardised_lower_95,
        cast(null as double) as standardised_upper_95,
        cast(null as double) as standardised_lower_998,
        cast(null as double) as standardised_upper_998
    from grouped
    inner join measures on grouped.measure_id = measures.measure_id
    where measures.value_type != 'dsr'
    union all
    select
        measure_id,
        period_start,
        period_end,
        area_type,
        area_code,
        breakdown,
        breakdown_value,
        numerator,
        denominator,
        cast(null as double) as mean_item,
        cast(null as double) as median_item,
        value as standardised_value,
        lower_95 as standardised_lower_95,
        upper_95 as standardised_upper_95,
        lower_998 as standardised_lower_998,
        upper_998 as standardised_upper_998
    from standardised
),

declared as (
    select
        sourced.*,
        case
            when measures.period_type = 'month' and sourced.period_end > {{ month_end('sourced.period_start') }}
                then 'quarter'
            else measures.period_type
        end as period_type,
        measures.unit,
        measures.value_type,
        measures.polarity,
        measures.target_value as target,
        measures.version as registry_version,
        {{ dbt.datediff('sourced.period_start', 'sourced.period_end', 'day') }} + 1 as days_in_period
    from sourced
    inner join measures on sourced.measure_id = measures.measure_id
    where
        {{ registry_list_has('measures.areas', 'sourced.area_type') }}
        and {{ registry_list_has('measures.breakdowns', 'sourced.breakdown') }}
),

valued as (
    select
        *,
        {{ measure_value(standardised='standardised_value') }} as value,
        {{ measure_limit('lower', 0.95, standardised_prefix='standardised_') }} as lower_95,
        {{ measure_limit('upper', 0.95, standardised_prefix='standardised_') }} as upper_95,
        {{ measure_limit('lower', 0.998, standardised_prefix='standardised_') }} as lower_998,
        {{ measure_limit('upper', 0.998, standardised_prefix='standardised_') }} as upper_998
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
        end as meets_target,
        max(case when area_type = 'system' and breakdown = 'all' then value end)
            over (partition by measure_id, period_start, period_end)
            as system_value
    from valued
),

benchmarked as (
    select
        *,
        case
            when area_type = 'system' and breakdown = 'all' then 'not_compared'
            else {{ compared_to_benchmark('polarity', 'value', 'lower_95', 'upper_95', 'system_value') }}
        end as compared_to_system
    from compared
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
        compared_to_system,
        registry_version
    from benchmarked
)

select * from final
