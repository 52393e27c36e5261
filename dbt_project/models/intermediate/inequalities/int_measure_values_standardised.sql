-- Grain: one row per directly standardised (`dsr`) measure, period, area of residence (system or place),
-- breakdown and breakdown value (the groups of int_registered_population_banded): events of residents of the
-- system with a known age over the registered population, standardised to the European Standard Population
-- 2013 joined by age band (every group is given all 19 bands, zero where it has no events or people), with
-- Dobson limits at 95% and 99.8%; value and limits null below 10 events, and null when events fall in a band
-- with no registered people (the rate is then undefined). docs/inequalities.md.
with records as (
    select * from {{ ref('int_measure_records_enriched') }}
),

measures as (
    select * from {{ ref('measures') }}
),

population as (
    select * from {{ ref('int_registered_population_banded') }}
),

standard as (
    select * from {{ esp2013_weights() }}
),

resident_events as (
    select records.*
    from records
    inner join measures on records.measure_id = measures.measure_id
    where
        measures.value_type = 'dsr'
        and records.place_code != 'outside_system'
        and records.age_band_5y != 'unknown'
),

events as (
    select
        measure_id,
        period_start,
        period_end,
        {{ residence_group_columns() }},
        age_band_5y,
        sum(numerator) as events
    from resident_events
    group by grouping sets (
        {{ residence_grouping_sets('measure_id, period_start, period_end, age_band_5y') }}
    )
),

measure_periods as (
    select distinct
        measure_id,
        period_start,
        period_end
    from events
),

groups as (
    select
        measure_periods.measure_id,
        population.period_start,
        population.period_end,
        population.area_type,
        population.area_code,
        population.breakdown,
        population.breakdown_value
    from population
    inner join measure_periods
        on
            population.period_start = measure_periods.period_start
            and population.period_end = measure_periods.period_end
    union
    select
        measure_id,
        period_start,
        period_end,
        area_type,
        area_code,
        breakdown,
        breakdown_value
    from events
),

banded as (
    select
        groups.*,
        standard.age_band,
        standard.standard_population,
        coalesce(events.events, 0) as events,
        coalesce(population.population, 0) as population
    from groups
    cross join standard
    left join events
        on
            groups.measure_id = events.measure_id
            and groups.period_start = events.period_start
            and groups.period_end = events.period_end
            and groups.area_type = events.area_type
            and groups.area_code = events.area_code
            and groups.breakdown = events.breakdown
            and groups.breakdown_value = events.breakdown_value
            and standard.age_band = events.age_band_5y
    left join population
        on
            groups.period_start = population.period_start
            and groups.period_end = population.period_end
            and groups.area_type = population.area_type
            and groups.area_code = population.area_code
            and groups.breakdown = population.breakdown
            and groups.breakdown_value = population.breakdown_value
            and standard.age_band = population.age_band_5y
),

summed as (
    select
        measure_id,
        period_start,
        period_end,
        area_type,
        area_code,
        breakdown,
        breakdown_value,
        count(*) as age_bands,
        sum(events) as numerator,
        sum(population) as denominator,
        sum(case when population = 0 then events else 0 end) as events_without_population,
        {{ dsr_value('events', 'nullif(population, 0)', 'standard_population') }} as dsr,
        {{ dsr_variance('events', 'nullif(population, 0)', 'standard_population') }} as dsr_variance
    from banded
    group by measure_id, period_start, period_end, area_type, area_code, breakdown, breakdown_value
),

final as (
    select
        measure_id,
        period_start,
        period_end,
        area_type,
        area_code,
        breakdown,
        breakdown_value,
        age_bands,
        numerator,
        denominator,
        events_without_population,
        case when events_without_population = 0 then dsr end as value,
        case when events_without_population = 0 then dsr_variance end as variance,
        case
            when events_without_population = 0
                then {{ dobson_lower('dsr', 'dsr_variance', 'numerator', 100000, 0.95) }}
        end as lower_95,
        case
            when events_without_population = 0
                then {{ dobson_upper('dsr', 'dsr_variance', 'numerator', 100000, 0.95) }}
        end as upper_95,
        case
            when events_without_population = 0
                then {{ dobson_lower('dsr', 'dsr_variance', 'numerator', 100000, 0.998) }}
        end as lower_998,
        case
            when events_without_population = 0
                then {{ dobson_upper('dsr', 'dsr_variance', 'numerator', 100000, 0.998) }}
        end as upper_998
    from summed
)

select * from final
