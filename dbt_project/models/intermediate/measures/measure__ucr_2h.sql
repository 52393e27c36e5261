-- Measure ucr_2h (measures/ucr_2h.yaml). Grain: one row per referral to the 2-hour urgent community response
-- team (team type UCR) with an attended first contact (first_contact Y, status 5 or 6), period = month the
-- referral was received, only months whose next month the community feed has delivered too (so every first
-- contact of the month's referrals is in the data); numerator 1 when the first contact came at most 120 minutes
-- (7,200 seconds) after the referral was received.
with contacts as (
    select * from {{ ref('stg_r1a__community_contacts') }}
),

months as (
    select * from {{ ref('int_r1a_months_delivered') }}
),

first_contacts as (
    select
        *,
        cast(null as varchar) as site_code,
        {{ dbt.datediff('referral_received_at', 'contact_at', 'second') }} as seconds_to_first_contact
    from contacts
    where
        team_type_code = 'UCR'
        and is_first_contact
        and attendance_status_code in ('5', '6')
    qualify row_number() over (partition by referral_id order by contact_at, contact_id) = 1
),

in_scope as (
    select
        first_contacts.*,
        months.month_start as period_start,
        months.month_end as period_end
    from first_contacts
    inner join months on {{ month_start('first_contacts.referral_received_at') }} = months.month_start
    where
        months.is_community_delivered
        and months.is_ucr_window_delivered
),

final as (
    select
        {{ measure_record('ucr_2h', 'cast(referral_received_at as date)',
                          measure_flag('seconds_to_first_contact <= 120 * 60'), as_double(1)) }}
    from in_scope
)

select * from final
