-- Grain: one row per outpatient appointment (organisation_code, appointment_id): both acute trusts' outpatient
-- feeds (rwp_outpatients, rlq_outpatients), every attendance status. The source of the outpatient measures.
with rwp_appointments as (
    select * from {{ ref('stg_rwp__outpatient_appointments') }}
),

rlq_appointments as (
    select * from {{ ref('stg_rlq__outpatient_appointments') }}
),

{%- set columns = ['organisation_code', 'appointment_id', 'site_code', 'treatment_function_code',
                   'appointment_at', 'attendance_status_code', 'consultation_medium_code', 'first_attendance_code',
                   'person_id', 'age_years', 'sex_code', 'ethnic_category_code', 'lsoa11_code'] %}

appointments as (
    {{ union_columns(['rwp_appointments', 'rlq_appointments'], columns) }}
),

final as (
    select * from appointments
)

select * from final
