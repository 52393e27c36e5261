-- Measure mh_first_contact_28d (measures/mh_first_contact_28d.yaml). Grain: one row per mental health referral
-- received in the month (the denominator), period = month of receipt, only months whose 28-day window lies
-- inside the delivered data (the referrals of the month delivered and the contacts of every month up to the one
-- holding its last day plus 28 days); numerator 1 when an attended contact (status 5 or 6) on the same referral
-- is dated 0 to 28 days after the date of receipt.
with referrals as (
    select * from {{ ref('stg_r1a__mh_referrals') }}
),

contacts as (
    select * from {{ ref('stg_r1a__mh_contacts') }}
),

contacted_in_window as (
    select
        referrals.referral_id,
        true as is_contacted_in_28_days
    from referrals
    inner join contacts on referrals.referral_id = contacts.referral_id
    where
        contacts.attendance_status_code in ('5', '6')
        and {{ dbt.datediff('referrals.referral_received_date', 'cast(contacts.contact_at as date)', 'day') }}
        between 0 and 28
    group by referrals.referral_id
),

referrals_contacted as (
    select
        referrals.*,
        coalesce(contacted_in_window.is_contacted_in_28_days, false) as is_contacted_in_28_days
    from referrals
    left join contacted_in_window on referrals.referral_id = contacted_in_window.referral_id
),

{{ r1a_published_records(
    measure_id='mh_first_contact_28d',
    units='referrals_contacted',
    event_at='referral_received_date',
    numerator='is_contacted_in_28_days',
    month_flags=['is_mh_referrals_delivered', 'is_mh_28_day_window_delivered'],
) }}
