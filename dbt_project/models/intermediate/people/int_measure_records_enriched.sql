-- Grain: one row per measure record of an event measure (int_measure_records_unioned), with the person spine
-- joined at the event date, and one row per group of a register measure's records (records_from 'register': one
-- record per person on a register snapshot) with the same period, snapshot and breakdowns; record_count says how
-- many records a row stands for, and its numerator and denominator are their sums. Every breakdown derived
-- (docs/measures.md, "The person spine"). LSOA, sex and ethnic category are the event's own, else the register's;
-- unlinked records stay, with 'unknown' register attributes. A group carries no person, age, LSOA or codes of its
-- own (its breakdowns say them), and no value_item: register measures are proportions or rates.
{{ config(materialized='table') }}

with records as not materialized (
    select * from {{ ref('int_measure_records_unioned') }}
),

measures as (
    select * from {{ ref('measures') }}
),

people as (
    select * from {{ ref('int_event_people') }}
),

registrations as (
    select * from {{ ref('stg_qgh__gp_registrations') }}
),

lsoas as (
    select * from {{ ref('lsoas') }}
),

places as (
    select * from {{ ref('places') }}
),

event_records as (
    select records.*
    from records
    inner join measures on records.measure_id = measures.measure_id
    where measures.records_from = 'events'
),

register_records as (
    select records.*
    from records
    inner join measures on records.measure_id = measures.measure_id
    where measures.records_from = 'register'
),

-- a register record's spine row is its own snapshot row: the spine's 'on_or_before' link, found by key rather
-- than by an as-of search
register_spine as (
    select
        person_id,
        snapshot_date as event_date,
        'on_or_before' as person_link,
        snapshot_date as register_snapshot_date,
        sex_code as register_sex_code,
        ethnic_category_code as register_ethnic_category_code,
        lsoa11_code as register_lsoa11_code,
        is_on_learning_disability_register,
        is_on_smi_register
    from registrations
),

events_resolved as (
    select {{ resolved_record('event_records', 'people') }}
    from event_records
    left join people
        on
            event_records.person_id = people.person_id
            and event_records.event_date = people.event_date
),

register_resolved as (
    select {{ resolved_record('register_records', 'register_spine') }}
    from register_records
    left join register_spine
        on
            register_records.person_id = register_spine.person_id
            and register_records.event_date = register_spine.event_date
),

event_rows as (
    select
        events_resolved.*,
        cast(1 as bigint) as record_count,
        {{ record_breakdowns('events_resolved') }}
    from events_resolved
    left join lsoas on events_resolved.lsoa11_code = lsoas.lsoa11_code
    left join places on lsoas.lad19_code = places.district_code
),

register_enriched as (
    select
        register_resolved.*,
        {{ record_breakdowns('register_resolved') }}
    from register_resolved
    left join lsoas on register_resolved.lsoa11_code = lsoas.lsoa11_code
    left join places on lsoas.lad19_code = places.district_code
),

register_groups as (
    select
        measure_id,
        period_start,
        period_end,
        organisation_code,
        site_code,
        cast(null as varchar) as person_id,
        event_date,
        cast(null as integer) as age_years,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        cast(null as double) as value_item,
        register_snapshot_date,
        cast(null as boolean) as is_on_learning_disability_register,
        cast(null as boolean) as is_on_smi_register,
        person_link,
        cast(null as varchar) as lsoa11_code,
        cast(null as varchar) as sex_code,
        cast(null as varchar) as ethnic_category_code,
        count(*) as record_count,
        age_band,
        age_band_5y,
        sex,
        ethnic_group,
        imd_decile,
        imd_quintile,
        core20,
        rurality,
        place_code,
        learning_disability,
        smi
    from register_enriched
    group by
        measure_id, period_start, period_end, organisation_code, site_code, event_date, register_snapshot_date,
        person_link, age_band, age_band_5y, sex, ethnic_group, imd_decile, imd_quintile, core20, rurality,
        place_code, learning_disability, smi
),

final as (
    select * from event_rows
    union all
    select * from register_groups
)

select * from final
