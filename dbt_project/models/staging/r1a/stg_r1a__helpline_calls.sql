-- Grain: one row per call to the 24/7 mental health helpline of Herefordshire and Worcestershire Health and Care
-- NHS Trust (R1A), current rows of the r1a_helpline feed, renamed. Callers' NHS Numbers already pseudonymised
-- (null for anonymous callers, carers and professionals); the feed sends no date of birth or ethnicity.
with source as (
    select * from {{ ref('lake__r1a_helpline') }}
),

renamed as (
    select
        call_id,
        'R1A' as organisation_code,
        {{ person_key('person_id') }} as person_id,
        sex as sex_code,
        lsoa_code as lsoa11_code,
        caller_type as caller_type_code,
        call_datetime as called_at,
        wait_seconds,
        duration_seconds,
        call_outcome as call_outcome_code,
        _period as period_month,
        _batch_id as batch_id
    from source
)

select * from renamed
