-- Invariant: in marts.measure_values every breakdown partitions its area (each record has exactly one value of
-- every breakdown, 'unknown' included), so for the system and each organisation the rows of one breakdown add up
-- to the area's 'all' row; the organisations add up to the system; sites and places never exceed their whole.
with all_rows as (
    select * from {{ ref('measure_values') }}
    where breakdown = 'all'
),

breakdown_sums as (
    select
        measure_id,
        period_start,
        period_end,
        area_type,
        area_code,
        breakdown,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from {{ ref('measure_values') }}
    where breakdown != 'all'
    group by measure_id, period_start, period_end, area_type, area_code, breakdown
),

area_sums as (
    select
        measure_id,
        period_start,
        period_end,
        area_type,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from all_rows
    group by measure_id, period_start, period_end, area_type
),

system_rows as (
    select * from all_rows
    where area_type = 'system'
),

broken_breakdowns as (
    select
        breakdown_sums.measure_id,
        breakdown_sums.period_start,
        breakdown_sums.period_end,
        breakdown_sums.area_code,
        breakdown_sums.breakdown as problem
    from breakdown_sums
    inner join all_rows
        on
            breakdown_sums.measure_id = all_rows.measure_id
            and breakdown_sums.period_start = all_rows.period_start
            and breakdown_sums.period_end = all_rows.period_end
            and breakdown_sums.area_type = all_rows.area_type
            and breakdown_sums.area_code = all_rows.area_code
    where
        abs(breakdown_sums.denominator - all_rows.denominator) > 1e-9 * all_rows.denominator
        or abs(breakdown_sums.numerator - all_rows.numerator) > 1e-9 * greatest(all_rows.numerator, 1)
),

broken_areas as (
    select
        area_sums.measure_id,
        area_sums.period_start,
        area_sums.period_end,
        system_rows.area_code,
        area_sums.area_type as problem
    from area_sums
    inner join system_rows
        on
            area_sums.measure_id = system_rows.measure_id
            and area_sums.period_start = system_rows.period_start
            and area_sums.period_end = system_rows.period_end
    where
        (
            area_sums.area_type = 'organisation'
            and abs(area_sums.denominator - system_rows.denominator) > 1e-9 * system_rows.denominator
        )
        or (
            area_sums.area_type in ('site', 'place')
            and area_sums.denominator > system_rows.denominator * (1 + 1e-9)
        )
)

select * from broken_breakdowns
union all
select * from broken_areas
