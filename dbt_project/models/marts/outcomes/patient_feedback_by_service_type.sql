-- Grain: one row per quarter (period_start), area (system QGH, or the organisation the feedback is about) and
-- Healthwatch service type: measure patient_feedback_positive_share by service type, inside the warehouse
-- (measure_values has no service-type breakdown). Every item of a published quarter; value and Wilson limits as
-- in measure_values. Unrounded; no free text (the items carry none).
with items as (
    select * from {{ ref('int_feedback_items_published') }}
),

measures as (
    select * from {{ ref('measures') }}
    where measure_id = 'patient_feedback_positive_share'
),

grouped as (
    select
        'patient_feedback_positive_share' as measure_id,
        period_start,
        period_end,
        {{ grouped_area([['organisation', 'organisation_code']]) }},
        service_type_code,
        sum({{ measure_flag("sentiment = 'positive'") }}) as numerator,
        {{ as_double('count(*)') }} as denominator
    from items
    group by grouping sets (
        (period_start, period_end, service_type_code),
        (period_start, period_end, organisation_code, service_type_code)
    )
),

final as (
    select
        grouped.measure_id,
        measures.period_type,
        grouped.period_start,
        grouped.period_end,
        grouped.area_type,
        grouped.area_code,
        grouped.service_type_code,
        grouped.numerator,
        grouped.denominator,
        {{ measure_value_and_limits('measures.value_type', 'grouped.numerator', 'grouped.denominator') }},
        measures.unit,
        measures.version as registry_version
    from grouped
    inner join measures on grouped.measure_id = measures.measure_id
)

select * from final
