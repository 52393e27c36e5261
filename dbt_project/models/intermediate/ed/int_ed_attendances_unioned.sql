-- Grain: one row per emergency care attendance at every department type the system's providers send: both
-- acute trusts' ECDS feeds (types 01 and 03) and the community trust's minor injury units (types 03 and 04).
-- The source of the emergency department measures (macros/measures/ed_measure_records.sql).
with rwp_attendances as (
    select * from {{ ref('stg_rwp__ecds_attendances') }}
),

rlq_attendances as (
    select * from {{ ref('stg_rlq__ecds_attendances') }}
),

miu_attendances as (
    select * from {{ ref('stg_r1a__miu_attendances') }}
),

{%- set columns = ['attendance_id', 'organisation_code', 'site_code', 'department_type', 'person_id',
                   'age_years', 'sex_code', 'ethnic_category_code', 'lsoa11_code', 'arrived_at', 'departed_at'] %}

attendances as (
    {{ union_columns(['rwp_attendances', 'rlq_attendances', 'miu_attendances'], columns) }}
),

final as (
    select * from attendances
)

select * from final
