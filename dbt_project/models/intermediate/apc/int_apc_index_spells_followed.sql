-- Grain: one row per index spell (key organisation_code, spell_id): an ordinary admission (patient classification
-- 1) discharged alive (destination not 79; a missing destination is not 79), without a cancer primary diagnosis
-- (C00-C97) or obstetrics (treatment function 501), at either acute trust. With its first emergency readmission,
-- if any: another spell of the same person (person_id, across both trusts) that is an emergency admission (method
-- 21-28), not cancer and not obstetrics, admitted 0 to 29 days after the index discharge date. The first is the
-- earliest admitted; on the same day one at the discharging trust comes first. An index spell without a person_id
-- cannot be followed and is never readmitted.
with spells as (
    select * from {{ ref('int_apc_spells_unioned') }}
),

index_spells as (
    select *
    from spells
    where
        patient_classification_code = '1'
        and discharge_date is not null
        and coalesce(discharge_destination_code, '') != '79'
        and not ({{ is_cancer_or_obstetrics('primary_diagnosis_code', 'treatment_function_code') }})
),

emergency_admissions as (
    select
        person_id,
        organisation_code,
        spell_id,
        admission_date
    from spells
    where
        person_id is not null
        and {{ is_emergency_admission('admission_method_code') }}
        and not ({{ is_cancer_or_obstetrics('primary_diagnosis_code', 'treatment_function_code') }})
),

pairs as (
    select
        index_spells.organisation_code,
        index_spells.spell_id,
        emergency_admissions.organisation_code as readmission_organisation_code,
        emergency_admissions.spell_id as readmission_spell_id,
        emergency_admissions.admission_date as readmission_date,
        {{ dbt.datediff('index_spells.discharge_date', 'emergency_admissions.admission_date', 'day') }}
            as days_to_readmission
    from index_spells
    inner join emergency_admissions
        on
            index_spells.person_id = emergency_admissions.person_id
            and not (
                index_spells.organisation_code = emergency_admissions.organisation_code
                and index_spells.spell_id = emergency_admissions.spell_id
            )
    where
        {{ dbt.datediff('index_spells.discharge_date', 'emergency_admissions.admission_date', 'day') }}
        between 0 and {{ readmission_last_day() }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by organisation_code, spell_id
            order by
                readmission_date,
                case when readmission_organisation_code = organisation_code then 0 else 1 end,
                readmission_organisation_code,
                readmission_spell_id
        ) as readmission_order
    from pairs
),

first_readmissions as (
    select * from ranked
    where readmission_order = 1
),

final as (
    select
        index_spells.organisation_code,
        index_spells.spell_id,
        index_spells.site_code,
        index_spells.person_id,
        index_spells.age_years,
        index_spells.sex_code,
        index_spells.ethnic_category_code,
        index_spells.lsoa11_code,
        index_spells.admission_date,
        index_spells.discharge_date,
        first_readmissions.readmission_organisation_code,
        first_readmissions.readmission_spell_id,
        first_readmissions.readmission_date,
        first_readmissions.days_to_readmission,
        first_readmissions.readmission_spell_id is not null as is_readmitted,
        coalesce(first_readmissions.readmission_organisation_code != index_spells.organisation_code, false)
            as is_readmitted_at_other_trust
    from index_spells
    left join first_readmissions
        on
            index_spells.organisation_code = first_readmissions.organisation_code
            and index_spells.spell_id = first_readmissions.spell_id
)

select * from final
