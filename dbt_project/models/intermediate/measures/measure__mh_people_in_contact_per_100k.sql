-- Measure mh_people_in_contact_per_100k (measures/mh_people_in_contact_per_100k.yaml). Grain: one row per person
-- on the GP register at the month's snapshot (the denominator: the latest snapshot on or before the month's
-- end), for each month the mental health contacts feed has delivered and that has such a snapshot; numerator 1
-- when the person had an attended mental health contact (status 5 or 6) dated in the month. The spine is looked
-- up at the snapshot date, so every record links to the same register row it was counted from.
with registrations as not materialized (
    select * from {{ ref('stg_qgh__gp_registrations') }}
),

contacts as (
    select * from {{ ref('stg_r1a__mh_contacts') }}
),

months as (
    select * from {{ ref('int_r1a_months_delivered') }}
),

snapshots as (
    select distinct snapshot_date from registrations
),

month_snapshots as (
    select
        months.month_start,
        months.month_end,
        max(snapshots.snapshot_date) as snapshot_date
    from months
    inner join snapshots on snapshots.snapshot_date <= months.month_end
    where months.is_mh_contacts_delivered
    group by months.month_start, months.month_end
),

people_in_contact as (
    select distinct
        {{ month_start('contact_at') }} as month_start,
        person_id
    from contacts
    where
        attendance_status_code in ('5', '6')
        and person_id is not null
),

in_scope as (
    select
        registrations.*,
        'R1A' as organisation_code,
        cast(null as varchar) as site_code,
        month_snapshots.month_start as period_start,
        month_snapshots.month_end as period_end,
        people_in_contact.person_id is not null as is_in_contact
    from month_snapshots
    inner join registrations on month_snapshots.snapshot_date = registrations.snapshot_date
    left join people_in_contact
        on
            month_snapshots.month_start = people_in_contact.month_start
            and registrations.person_id = people_in_contact.person_id
),

final as (
    select
        {{ measure_record('mh_people_in_contact_per_100k', 'snapshot_date', measure_flag('is_in_contact'),
                          as_double(1)) }}
    from in_scope
)

select * from final
