-- Measure mh_discharge_followup_72h (measures/mh_discharge_followup_72h.yaml). Grain: one row per eligible
-- discharge from an adult mental health ward (the denominator: ward type 03, 05 or 06, aged 18 or over at
-- discharge, not died, not transferred to another hospital, court or prison), period = month of discharge, only
-- months whose 72 hours after the last discharge lie inside the delivered contacts; numerator 1 when the same
-- person (person_id) had an attended mental health contact (status 5 or 6) from the discharge time up to
-- exactly 72 hours after it.
with spells as (
    select * from {{ ref('stg_r1a__mh_hospital_spells') }}
),

contacts as (
    select * from {{ ref('stg_r1a__mh_contacts') }}
),

eligible as (
    select * from spells
    where
        ward_type_code in ('03', '05', '06')
        and coalesce(age_years >= 18, true)
        and discharge_destination_code not in ('37', '38', '48', '49', '50', '51', '53', '79', '84', '87')
),

followed_up as (
    select
        eligible.hospital_spell_id,
        true as is_followed_up
    from eligible
    inner join contacts on eligible.person_id = contacts.person_id
    where
        contacts.attendance_status_code in ('5', '6')
        and contacts.contact_at >= eligible.discharged_at
        and contacts.contact_at <= {{ dbt.dateadd('hour', 72, 'eligible.discharged_at') }}
    group by eligible.hospital_spell_id
),

discharges_followed as (
    select
        eligible.*,
        coalesce(followed_up.is_followed_up, false) as is_followed_up
    from eligible
    left join followed_up on eligible.hospital_spell_id = followed_up.hospital_spell_id
),

{{ r1a_published_records(
    measure_id='mh_discharge_followup_72h',
    units='discharges_followed',
    event_at='discharged_at',
    numerator='is_followed_up',
    month_flags=['is_mh_spells_delivered', 'is_mh_72_hour_window_delivered'],
) }}
