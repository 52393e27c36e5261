-- Measure ucr_2h (measures/ucr_2h.yaml). Grain: one row per referral to the 2-hour urgent community response
-- team (team type UCR) with an attended first contact (first_contact Y, status 5 or 6), period = month the
-- referral was received, only months whose next month the community feed has delivered too (so every first
-- contact of the month's referrals is in the data); numerator 1 when the first contact came at most 120 minutes
-- (7,200 seconds) after the referral was received.
with contacts as (
    select * from {{ ref('stg_r1a__community_contacts') }}
),

first_contacts as (
    select
        *,
        {{ dbt.datediff('referral_received_at', 'contact_at', 'second') }} as seconds_to_first_contact
    from contacts
    where
        team_type_code = 'UCR'
        and is_first_contact
        and attendance_status_code in ('5', '6')
    qualify row_number() over (partition by referral_id order by contact_at, contact_id) = 1
),

{{ r1a_published_records(
    measure_id='ucr_2h',
    units='first_contacts',
    event_at='referral_received_at',
    numerator='seconds_to_first_contact <= 120 * 60',
    month_flags=['is_community_delivered', 'is_ucr_window_delivered'],
) }}
