-- Invariant: the system's 'all' row of every measure and period holds every record of that measure and period
-- (sum of the records' numerators and denominators): no record is lost between the measure models and the
-- long table.
with records as (
    select
        measure_id,
        period_start,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from {{ ref('int_measure_records_unioned') }}
    group by measure_id, period_start
),

system_rows as (
    select * from {{ ref('measure_values') }}
    where area_type = 'system' and breakdown = 'all'
)

select
    coalesce(records.measure_id, system_rows.measure_id) as measure_id,
    coalesce(records.period_start, system_rows.period_start) as period_start,
    records.denominator as record_denominator,
    system_rows.denominator as system_denominator
from records
full outer join system_rows
    on
        records.measure_id = system_rows.measure_id
        and records.period_start = system_rows.period_start
where
    records.denominator is distinct from system_rows.denominator
    or records.numerator is distinct from system_rows.numerator
