-- Invariant: the system's 'all' row of every directly standardised measure and period in marts.measure_values
-- holds every event of a resident of the system's places with a known age (its records), and its denominator
-- is the register's residents with a known age in the snapshot in force (none without a GP list): no event or
-- person is lost between the records, the register and the long table.
with measures as (
    select * from {{ ref('measures') }}
    where value_type = 'dsr'
),

events as (
    select
        records.measure_id,
        records.period_start,
        records.period_end,
        sum(records.numerator) as numerator
    from {{ ref('int_measure_records_enriched') }} as records
    inner join measures on records.measure_id = measures.measure_id
    where records.place_code != 'outside_system' and records.age_band_5y != 'unknown'
    group by records.measure_id, records.period_start, records.period_end
),

population as (
    select
        period_start,
        period_end,
        sum(population) as denominator
    from {{ ref('int_registered_population_banded') }}
    where area_type = 'system' and breakdown = 'all'
    group by period_start, period_end
),

system_rows as (
    select measure_values.*
    from {{ ref('measure_values') }} as measure_values
    inner join measures on measure_values.measure_id = measures.measure_id
    where measure_values.area_type = 'system' and measure_values.breakdown = 'all'
)

select
    events.measure_id,
    events.period_start,
    events.numerator as resident_events,
    system_rows.numerator as system_numerator,
    coalesce(population.denominator, 0) as register_residents,
    system_rows.denominator as system_denominator
from events
left join system_rows
    on
        events.measure_id = system_rows.measure_id
        and events.period_start = system_rows.period_start
        and events.period_end = system_rows.period_end
left join population on events.period_start = population.period_start and events.period_end = population.period_end
where
    system_rows.numerator is distinct from events.numerator
    or system_rows.denominator is distinct from coalesce(population.denominator, 0)
