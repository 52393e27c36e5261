-- Invariant: every readmission found for an index spell is another spell of the same person, an emergency
-- admission 0 to 29 days after the index discharge date, and is marked at the other trust exactly when its
-- trust is not the discharging one; an index spell is readmitted exactly when it has a readmission.
with index_spells as (
    select * from {{ ref('int_apc_index_spells_followed') }}
),

spells as (
    select * from {{ ref('int_apc_spells_unioned') }}
)

select
    index_spells.organisation_code,
    index_spells.spell_id,
    index_spells.readmission_spell_id
from index_spells
left join spells
    on
        index_spells.readmission_organisation_code = spells.organisation_code
        and index_spells.readmission_spell_id = spells.spell_id
where
    index_spells.is_readmitted != (index_spells.readmission_spell_id is not null)
    or (
        index_spells.is_readmitted
        and (
            spells.spell_id is null
            or spells.person_id is distinct from index_spells.person_id
            or (spells.organisation_code = index_spells.organisation_code and spells.spell_id = index_spells.spell_id)
            or not {{ is_emergency_admission('spells.admission_method_code') }}
            or index_spells.days_to_readmission
            != {{ dbt.datediff('index_spells.discharge_date', 'spells.admission_date', 'day') }}
            or index_spells.days_to_readmission not between 0 and {{ readmission_last_day() }}
            or index_spells.is_readmitted_at_other_trust != (spells.organisation_code != index_spells.organisation_code)
        )
    )
