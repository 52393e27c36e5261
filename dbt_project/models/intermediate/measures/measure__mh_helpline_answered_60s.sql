-- Measure mh_helpline_answered_60s (measures/mh_helpline_answered_60s.yaml). Grain: one row per call to the
-- 24/7 mental health helpline (the denominator), period = month of the call; numerator 1 when the call was
-- answered within 60 seconds (wait_seconds at most 60). The feed sends no age or ethnicity.
{{ measure_records(
    measure_id='mh_helpline_answered_60s',
    source=ref('stg_r1a__helpline_calls'),
    event_at='called_at',
    numerator='wait_seconds <= 60',
    has_ethnic_category=false,
    derived=['cast(null as varchar) as site_code', 'cast(null as integer) as age_years'],
) }}
