-- Grain: one row per period of a directly standardised measure, area of residence (system or place), breakdown,
-- breakdown value and five-year age band: the people registered with the system's practices and resident in its
-- places, from the GP list snapshot in force for the period (the latest on or before its last day, else the
-- earliest), attributes from their register row. The denominators of the `dsr` measures (docs/inequalities.md).
with records as (
    select * from {{ ref('int_measure_records_unioned') }}
),

measures as (
    select * from {{ ref('measures') }}
),

registrations as not materialized (
    select * from {{ ref('stg_qgh__gp_registrations') }}
),

lsoas as (
    select * from {{ ref('lsoas') }}
),

places as (
    select * from {{ ref('places') }}
),

lsoa_breakdowns as (
    {{ lsoa_breakdown_rows() }}
),

periods as (
    select distinct
        records.period_start,
        records.period_end
    from records
    inner join measures on records.measure_id = measures.measure_id
    where measures.value_type = 'dsr'
),

snapshots as (
    select distinct snapshot_date
    from registrations
),

in_force as (
    select
        periods.period_start,
        periods.period_end,
        coalesce(
            max(case when snapshots.snapshot_date <= periods.period_end then snapshots.snapshot_date end),
            min(snapshots.snapshot_date)
        ) as snapshot_date
    from periods
    cross join snapshots
    group by periods.period_start, periods.period_end
),

-- each snapshot in force counted once into cells of identical attributes (a snapshot serves several periods)
snapshot_cells as (
    select
        registrations.snapshot_date,
        {{ age_band_5y('registrations.age_years') }} as age_band_5y,
        {{ sex_group('registrations.sex_code') }} as sex,
        {{ ethnic_group('registrations.ethnic_category_code') }} as ethnic_group,
        {{ area_breakdowns() }},
        case when registrations.is_on_learning_disability_register then 'yes' else 'no' end as learning_disability,
        case when registrations.is_on_smi_register then 'yes' else 'no' end as smi,
        count(*) as people
    from registrations
    left join lsoa_breakdowns on registrations.lsoa11_code = lsoa_breakdowns.lsoa11_code
    where registrations.snapshot_date in (select in_force.snapshot_date from in_force)
    group by all
),

residents as (
    select
        in_force.period_start,
        in_force.period_end,
        snapshot_cells.*
    from in_force
    inner join snapshot_cells on in_force.snapshot_date = snapshot_cells.snapshot_date
    where snapshot_cells.place_code != 'outside_system' and snapshot_cells.age_band_5y != 'unknown'
),

grouped as (
    select
        period_start,
        period_end,
        {{ residence_group_columns() }},
        age_band_5y,
        cast(sum(people) as bigint) as population
    from residents
    group by grouping sets (
        {{ residence_grouping_sets('period_start, period_end, age_band_5y') }}
    )
),

final as (
    select * from grouped
)

select * from final
