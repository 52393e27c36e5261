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

events_resolved as (
    select
        event_records.measure_id,
        event_records.period_start,
        event_records.period_end,
        event_records.organisation_code,
        event_records.site_code,
        event_records.person_id,
        event_records.event_date,
        event_records.age_years,
        event_records.numerator,
        event_records.denominator,
        event_records.value_item,
        people.register_snapshot_date,
        people.is_on_learning_disability_register,
        people.is_on_smi_register,
        coalesce(people.person_link, 'no_person_id') as person_link,
        coalesce(event_records.lsoa11_code, people.register_lsoa11_code) as lsoa11_code,
        coalesce(event_records.sex_code, people.register_sex_code) as sex_code,
        case
            when event_records.ethnic_category_code in {{ ethnic_category_letters() }}
                then event_records.ethnic_category_code
            else people.register_ethnic_category_code
        end as ethnic_category_code
    from event_records
    left join people
        on
            event_records.person_id = people.person_id
            and event_records.event_date = people.event_date
),

-- a register record is the person's row on the snapshot dated at its event date (its own LSOA, sex and ethnic
-- category are that row's): the spine's 'on_or_before' link, found by key rather than by an as-of search
register_resolved as (
    select
        register_records.measure_id,
        register_records.period_start,
        register_records.period_end,
        register_records.organisation_code,
        register_records.site_code,
        register_records.person_id,
        register_records.event_date,
        register_records.age_years,
        register_records.numerator,
        register_records.denominator,
        register_records.value_item,
        registrations.snapshot_date as register_snapshot_date,
        registrations.is_on_learning_disability_register,
        registrations.is_on_smi_register,
        case
            when register_records.person_id is null then 'no_person_id'
            when registrations.person_id is null then 'not_on_register'
            else 'on_or_before'
        end as person_link,
        coalesce(register_records.lsoa11_code, registrations.lsoa11_code) as lsoa11_code,
        coalesce(register_records.sex_code, registrations.sex_code) as sex_code,
        case
            when register_records.ethnic_category_code in {{ ethnic_category_letters() }}
                then register_records.ethnic_category_code
            else registrations.ethnic_category_code
        end as ethnic_category_code
    from register_records
    left join registrations
        on
            register_records.person_id = registrations.person_id
            and register_records.event_date = registrations.snapshot_date
),

events_enriched as (
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

register_grouped as (
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
    select * from events_enriched
    union all
    select * from register_grouped
)

select * from final
