-- Measure patient_feedback_positive_share (measures/patient_feedback_positive_share.yaml). Grain: one row per
-- Healthwatch feedback item received in a published quarter (the denominator: int_feedback_items_published),
-- period = the calendar quarter of receipt, organisation = the organisation the feedback is about; numerator 1
-- when Healthwatch assigned the sentiment 'positive'. The records carry no person and no free text.
with items as (
    select * from {{ ref('int_feedback_items_published') }}
),

final as (
    select
        'patient_feedback_positive_share' as measure_id,
        period_start,
        period_end,
        organisation_code,
        cast(null as varchar) as site_code,
        cast(null as uuid) as person_id,
        received_date as event_date,
        cast(null as varchar) as lsoa11_code,
        cast(null as integer) as age_years,
        cast(null as varchar) as sex_code,
        cast(null as varchar) as ethnic_category_code,
        {{ measure_flag("sentiment = 'positive'") }} as numerator,
        {{ as_double(1) }} as denominator,
        {{ as_double('null') }} as value_item
    from items
)

select * from final
