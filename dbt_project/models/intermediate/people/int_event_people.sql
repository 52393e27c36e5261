-- Grain: one row per person and event date among the event measures' records that carry a person_id (a register
-- measure's records are register rows already: int_measure_records_enriched takes them as they are): the person's row
-- on the GP register at that date. The latest snapshot on or before the event; when the person is on no such
-- snapshot, the earliest later one (a person is registered before they are listed, so a later snapshot is the
-- nearest evidence of the same registration); else none ('not_on_register': counted in person_linkage).
-- Incremental by pair (macros/people/spine_increments.sql): a build that selects neither the register nor the
-- registry looks up only the pairs new to the spine (among the records of the measures it builds), and removes
-- those no record carries any more.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail',
          pre_hook="{{ delete_spine_rows_gone() }}") }}

with records as (
    select * from {{ ref('int_measure_records_unioned') }}
),

measures as (
    select * from {{ ref('measures') }}
),

registrations as (
    select * from {{ ref('stg_qgh__gp_registrations') }}
),

-- the pairs to look up: all of them, or those of the records of the measures this build builds (the only records
-- a pair new to the spine can come from) that are not in the spine yet
pairs as (
    {{ spine_event_pairs('records', 'measures', spine_records_looked_up('records.measure_id')) }}
),

events as (
    select
        pairs.person_id,
        pairs.event_date
    from pairs
    {% if not spine_looked_up_whole() -%}
        where not exists (
            select 1
            from {{ this }} as built
            where built.person_id = pairs.person_id and built.event_date = pairs.event_date
        )
    {%- endif %}
),

-- the register rows of the people with events only (in the synthetic year about four in five of the people
-- on a snapshot). Each step below is a plain hash join or aggregate, which DuckDB spills to disk past its
-- buffer: an as-of join over a 10x register (30 million rows) ran out of the default 1 GB
event_person_snapshots as (
    select
        registrations.person_id,
        registrations.snapshot_date,
        registrations.sex_code,
        registrations.ethnic_category_code,
        registrations.lsoa11_code,
        registrations.is_on_learning_disability_register,
        registrations.is_on_smi_register
    from registrations
    where registrations.person_id in (select events.person_id from events)
),

-- a person is on a few snapshots (quarterly lists): their dates as one list per person, so each event meets one
-- row and keeps the latest date on or before it and the earliest of all (joining each event to every snapshot
-- and grouping them again handled eleven million rows for the year's 2.8 million events)
person_snapshot_dates as (
    select
        person_id,
        list(snapshot_date) as snapshot_dates
    from event_person_snapshots
    group by person_id
),

snapshot_dates as (
    select
        events.person_id,
        events.event_date,
        list_max(
            list_filter(person_snapshot_dates.snapshot_dates, lambda d: d <= events.event_date)
        ) as on_or_before_date,
        list_min(person_snapshot_dates.snapshot_dates) as first_snapshot_date
    from events
    left join person_snapshot_dates on events.person_id = person_snapshot_dates.person_id
),

linked as (
    select
        person_id,
        event_date,
        coalesce(on_or_before_date, first_snapshot_date) as register_snapshot_date,
        case
            when on_or_before_date is not null then 'on_or_before'
            when first_snapshot_date is not null then 'later_snapshot'
            else 'not_on_register'
        end as person_link
    from snapshot_dates
),

final as (
    select
        linked.person_id,
        linked.event_date,
        linked.person_link,
        linked.register_snapshot_date,
        event_person_snapshots.sex_code as register_sex_code,
        event_person_snapshots.ethnic_category_code as register_ethnic_category_code,
        event_person_snapshots.lsoa11_code as register_lsoa11_code,
        event_person_snapshots.is_on_learning_disability_register,
        event_person_snapshots.is_on_smi_register
    from linked
    left join event_person_snapshots
        on
            linked.person_id = event_person_snapshots.person_id
            and linked.register_snapshot_date = event_person_snapshots.snapshot_date
)

select * from final
