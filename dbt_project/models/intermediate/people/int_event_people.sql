-- Grain: one row per person and event date among the event measures' records that carry a person_id (a register
-- measure's records are register rows already: int_measure_records_enriched takes them as they are): the person's row
-- on the GP register at that date. The latest snapshot on or before the event; when the person is on no such
-- snapshot, the earliest later one (a person is registered before they are listed, so a later snapshot is the
-- nearest evidence of the same registration); else none ('not_on_register': counted in person_linkage).
with records as (
    select * from {{ ref('int_measure_records_unioned') }}
),

measures as (
    select * from {{ ref('measures') }}
),

registrations as not materialized (
    select * from {{ ref('stg_qgh__gp_registrations') }}
),

events as (
    select distinct
        records.person_id,
        records.event_date
    from records
    inner join measures on records.measure_id = measures.measure_id
    where
        records.person_id is not null
        and measures.records_from = 'events'
),

on_or_before as (
    select
        events.person_id,
        events.event_date,
        registrations.snapshot_date
    from events
    asof left join registrations
        on
            events.person_id = registrations.person_id
            and events.event_date >= registrations.snapshot_date
),

first_snapshots as (
    select
        person_id,
        min(snapshot_date) as snapshot_date
    from registrations
    group by person_id
),

linked as (
    select
        on_or_before.person_id,
        on_or_before.event_date,
        coalesce(on_or_before.snapshot_date, first_snapshots.snapshot_date) as register_snapshot_date,
        case
            when on_or_before.snapshot_date is not null then 'on_or_before'
            when first_snapshots.snapshot_date is not null then 'later_snapshot'
            else 'not_on_register'
        end as person_link
    from on_or_before
    left join first_snapshots on on_or_before.person_id = first_snapshots.person_id
),

final as (
    select
        linked.person_id,
        linked.event_date,
        linked.person_link,
        linked.register_snapshot_date,
        registrations.sex_code as register_sex_code,
        registrations.ethnic_category_code as register_ethnic_category_code,
        registrations.lsoa11_code as register_lsoa11_code,
        registrations.is_on_learning_disability_register,
        registrations.is_on_smi_register
    from linked
    left join registrations
        on
            linked.person_id = registrations.person_id
            and linked.register_snapshot_date = registrations.snapshot_date
)

select * from final
