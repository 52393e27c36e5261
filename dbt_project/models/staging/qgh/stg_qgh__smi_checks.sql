-- Grain: one row per person on a severe mental illness register per monthly snapshot (current rows of the
-- qgh_smi_checks feed), renamed, with the date of each of the six physical health checks (null: none sent).
with source as (
    select * from {{ ref('lake__qgh_smi_checks') }}
),

renamed as (
    select
        snapshot_date,
        {{ person_key('person_id') }} as person_id,
        age_years,
        sex as sex_code,
        ethnic_category as ethnic_category_code,
        lsoa_code as lsoa11_code,
        gp_practice_code,
        bmi_check_date,
        blood_pressure_check_date,
        cholesterol_check_date,
        hba1c_check_date,
        smoking_status_check_date,
        alcohol_check_date,
        _batch_id as batch_id
    from source
)

select * from renamed
