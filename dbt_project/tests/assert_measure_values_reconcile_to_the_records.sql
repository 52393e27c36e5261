-- Invariant: the system's 'all' row of every measure and period holds every record of that measure and period
-- (sum of the records' numerators and denominators): no record is lost between the measure models and the
-- long table. Fractional denominators (1 / days of the month per patient-midnight) are summed in different orders
-- on the two sides, so sums are compared to a relative 1e-9, not bit for bit.
with records as (
    select
        measure_id,
        period_start,
        period_end,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from {{ ref('int_measure_records_unioned') }}
    group by measure_id, period_start, period_end
),

system_rows as (
    select * from {{ ref('measure_values') }}
    where area_type = 'system' and breakdown = 'all'
)

select
    coalesce(records.measure_id, system_rows.measure_id) as measure_id,
    coalesce(records.period_start, system_rows.period_start) as period_start,
    coalesce(records.period_end, system_rows.period_end) as period_end,
    records.denominator as record_denominator,
    system_rows.denominator as system_denominator
from records
full outer join system_rows
    on
        records.measure_id = system_rows.measure_id
        and records.period_start = system_rows.period_start
        and records.period_end = system_rows.period_end
where
    records.measure_id is null
    or system_rows.measure_id is null
    or abs(records.denominator - system_rows.denominator) > 1e-9 * greatest(1, abs(records.denominator))
    or abs(records.numerator - system_rows.numerator) > 1e-9 * greatest(1, abs(records.numerator))
