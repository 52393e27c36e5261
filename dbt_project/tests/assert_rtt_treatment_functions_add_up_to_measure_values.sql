-- Invariant: for every RTT measure, census month and area (system, organisation, site), the treatment functions
-- in rtt_waits_by_treatment_function add up to that area's 'all' row in measure_values (numerator and
-- denominator): the warehouse-only breakdown counts the same pathways, with the same thresholds, as the measure
-- models do.
with by_function as (
    select
        measure_id,
        period_start,
        area_type,
        area_code,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from {{ ref('rtt_waits_by_treatment_function') }}
    group by measure_id, period_start, area_type, area_code
),

area_rows as (
    select * from {{ ref('measure_values') }}
    where
        breakdown = 'all'
        and measure_id in (
            {%- for measure_id in rtt_wait_conditions() %}
                '{{ measure_id }}'{{ ',' if not loop.last }}
            {%- endfor %}
        )
)

select
    coalesce(by_function.measure_id, area_rows.measure_id) as measure_id,
    coalesce(by_function.period_start, area_rows.period_start) as period_start,
    coalesce(by_function.area_type, area_rows.area_type) as area_type,
    coalesce(by_function.area_code, area_rows.area_code) as area_code,
    by_function.denominator as function_denominator,
    area_rows.denominator as area_denominator
from by_function
full outer join area_rows
    on
        by_function.measure_id = area_rows.measure_id
        and by_function.period_start = area_rows.period_start
        and by_function.area_type = area_rows.area_type
        and by_function.area_code = area_rows.area_code
where
    by_function.numerator is distinct from area_rows.numerator
    or by_function.denominator is distinct from area_rows.denominator
