-- Grain: one row per measure record (int_measure_records_unioned), with the person spine joined at the event
-- date and every breakdown derived (docs/measures.md, "The person spine"). LSOA, sex and ethnic category are
-- the event's own, else the register's; unlinked records stay, with 'unknown' register attributes.
{{ config(materialized='table') }}

with records as (
    select * from {{ ref('int_measure_records_unioned') }}
),

people as (
    select * from {{ ref('int_event_people') }}
),

lsoas as (
    select * from {{ ref('lsoas') }}
),

places as (
    select * from {{ ref('places') }}
),

resolved as (
    select
        records.measure_id,
        records.period_start,
        records.period_end,
        records.organisation_code,
        records.site_code,
        records.person_id,
        records.event_date,
        records.age_years,
        records.numerator,
        records.denominator,
        records.value_item,
        people.register_snapshot_date,
        people.is_on_learning_disability_register,
        people.is_on_smi_register,
        coalesce(people.person_link, 'no_person_id') as person_link,
        coalesce(records.lsoa11_code, people.register_lsoa11_code) as lsoa11_code,
        coalesce(records.sex_code, people.register_sex_code) as sex_code,
        case
            when records.ethnic_category_code in {{ ethnic_category_letters() }} then records.ethnic_category_code
            else people.register_ethnic_category_code
        end as ethnic_category_code
    from records
    left join people
        on
            records.person_id = people.person_id
            and records.event_date = people.event_date
),

final as (
    select
        resolved.*,
        {{ age_band_published('resolved.age_years') }} as age_band,
        {{ age_band_5y('resolved.age_years') }} as age_band_5y,
        {{ sex_group('resolved.sex_code') }} as sex,
        {{ ethnic_group('resolved.ethnic_category_code') }} as ethnic_group,
        {{ imd_category('lsoas', 'imd_decile') }} as imd_decile,
        {{ imd_category('lsoas', 'imd_quintile') }} as imd_quintile,
        {{ core20_group('lsoas') }} as core20,
        {{ rurality_class('lsoas.rural_urban_code') }} as rurality,
        coalesce(places.place_code, 'outside_system') as place_code,
        {{ register_flag('resolved.is_on_learning_disability_register', 'resolved.person_link') }}
            as learning_disability,
        {{ register_flag('resolved.is_on_smi_register', 'resolved.person_link') }} as smi
    from resolved
    left join lsoas on resolved.lsoa11_code = lsoas.lsoa11_code
    left join places on lsoas.lad19_code = places.district_code
)

select * from final
