-- Grain: one row per item of care closer to home or in hospital (key activity, organisation_code, activity_id):
-- attended community contacts (r1a_community), minor injury unit attendances (r1a_miu), attended community
-- mental-health contacts (r1a_mh_contacts) in the community setting; type 01 emergency department attendances
-- (rwp_ecds, rlq_ecds), admitted spells (rwp_apc, rlq_apc) and attended outpatient appointments
-- (rwp_outpatients, rlq_outpatients) in hospital. Attended means attendance status 5 or 6. event_date: the
-- contact, arrival, admission or appointment date. The source of measure care_closer_to_home_share. A view: its
-- one reader and its tests read it where it is, and writing its 2.1 million rows as a table took longer (1.4-2.4 s)
-- than all of them (bench/results.md, fourteenth round).
{{ config(materialized='view') }}
{%- set attended = "attendance_status_code in ('5', '6')" %}
{#- activity, care setting, source CTE, id column, site column, event column, condition -#}
{%- set activities = [
    ['community_contact', 'community', 'community_contacts', 'contact_id', none, 'contact_at', attended],
    ['minor_injury_unit_attendance', 'community', 'ed_attendances', 'attendance_id', 'site_code', 'arrived_at',
     "department_type in ('03', '04') and organisation_code = 'R1A'"],
    ['mental_health_contact', 'community', 'mh_contacts', 'contact_id', none, 'contact_at', attended],
    ['type_1_ed_attendance', 'hospital', 'ed_attendances', 'attendance_id', 'site_code', 'arrived_at',
     "department_type = '01'"],
    ['admitted_spell', 'hospital', 'spells', 'spell_id', 'site_code', 'admission_date', none],
    ['outpatient_attendance', 'hospital', 'appointments', 'appointment_id', 'site_code', 'appointment_at', attended],
] %}

with community_contacts as (
    select * from {{ ref('stg_r1a__community_contacts') }}
),

mh_contacts as (
    select * from {{ ref('stg_r1a__mh_contacts') }}
),

ed_attendances as not materialized (
    select * from {{ ref('int_ed_attendances_unioned') }}
),

spells as (
    select * from {{ ref('int_apc_spells_unioned') }}
),

appointments as (
    select * from {{ ref('int_outpatient_appointments_unioned') }}
),

activities as (
    {%- for activity, setting, source, id_column, site_column, event_column, condition in activities %}
        select
            '{{ activity }}' as activity,
            '{{ setting }}' as care_setting,
            organisation_code,
            {{ id_column }} as activity_id,
            {{ site_column or 'cast(null as varchar)' }} as site_code,
            cast({{ event_column }} as date) as event_date,
            person_id,
            lsoa11_code,
            age_years,
            sex_code,
            ethnic_category_code
        from {{ source }}
        {%- if condition %}
            where {{ condition }}
        {%- endif %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        *,
        {{ month_start('event_date') }} as event_month
    from activities
)

select * from final
