-- Grain: one row per person registered with a practice of the system per GP list snapshot (current rows of the
-- qgh_gp_list feed), renamed. The person spine's register. A table, like every staging model (dbt_project.yml):
-- four models read the register (the spine, the enriched records, the registered population, a register measure).

with source as (
    select * from {{ ref('lake__qgh_gp_list') }}
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
        registration_date,
        learning_disability_register as is_on_learning_disability_register,
        smi_register as is_on_smi_register,
        _batch_id as batch_id
    from source
)

select * from renamed
