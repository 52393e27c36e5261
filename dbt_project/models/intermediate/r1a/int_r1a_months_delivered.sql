-- Grain: one row per calendar month that any of the community trust's (R1A) community, mental health or helpline
-- feeds has delivered (month_start is the key): a month counts as delivered by a feed when its current rows hold
-- events dated in it (contacts, referrals received, spells discharged, calls). For the measures with a clock
-- after the month's events, whether that clock's window lies inside the delivered data: this month and every
-- month up to the one holding the window's last day delivered by the feed the clock reads (the urgent response's
-- first contacts: the next day; mental health first contacts: 28 days; follow-up after discharge: 72 hours).
with community as (
    select distinct {{ month_start('contact_at') }} as month_start
    from {{ ref('stg_r1a__community_contacts') }}
),

mh_contacts as (
    select distinct {{ month_start('contact_at') }} as month_start
    from {{ ref('stg_r1a__mh_contacts') }}
),

mh_referrals as (
    select distinct {{ month_start('referral_received_date') }} as month_start
    from {{ ref('stg_r1a__mh_referrals') }}
),

mh_spells as (
    select distinct {{ month_start('discharged_at') }} as month_start
    from {{ ref('stg_r1a__mh_hospital_spells') }}
),

helpline as (
    select distinct {{ month_start('called_at') }} as month_start
    from {{ ref('stg_r1a__helpline_calls') }}
),

months as (
    select month_start from community
    union
    select month_start from mh_contacts
    union
    select month_start from mh_referrals
    union
    select month_start from mh_spells
    union
    select month_start from helpline
),

flagged as (
    select
        months.month_start,
        {{ month_end('months.month_start') }} as month_end,
        community.month_start is not null as is_community_delivered,
        mh_contacts.month_start is not null as is_mh_contacts_delivered,
        mh_referrals.month_start is not null as is_mh_referrals_delivered,
        mh_spells.month_start is not null as is_mh_spells_delivered,
        helpline.month_start is not null as is_helpline_delivered
    from months
    left join community on months.month_start = community.month_start
    left join mh_contacts on months.month_start = mh_contacts.month_start
    left join mh_referrals on months.month_start = mh_referrals.month_start
    left join mh_spells on months.month_start = mh_spells.month_start
    left join helpline on months.month_start = helpline.month_start
),

final as (
    select
        flagged.*,
        {{ window_delivered('flagged', 'is_community_delivered', 1) }} as is_ucr_window_delivered,
        {{ window_delivered('flagged', 'is_mh_contacts_delivered', 28) }} as is_mh_28_day_window_delivered,
        {{ window_delivered('flagged', 'is_mh_contacts_delivered', 3) }} as is_mh_72_hour_window_delivered
    from flagged
)

select * from final
