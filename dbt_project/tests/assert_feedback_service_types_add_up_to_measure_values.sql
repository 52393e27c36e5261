-- Invariant: in marts.patient_feedback_by_service_type the service types of each quarter and area (the system and
-- each organisation the feedback is about) add up to that area's 'all' row of patient_feedback_positive_share in
-- marts.measure_values, numerator and denominator, and every area and quarter is in both.
with by_service_type as (
    select
        period_start,
        period_end,
        area_type,
        area_code,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from {{ ref('patient_feedback_by_service_type') }}
    group by period_start, period_end, area_type, area_code
),

measure_rows as (
    select * from {{ ref('measure_values') }}
    where measure_id = 'patient_feedback_positive_share' and breakdown = 'all'
)

select
    coalesce(by_service_type.period_start, measure_rows.period_start) as period_start,
    coalesce(by_service_type.area_code, measure_rows.area_code) as area_code,
    by_service_type.denominator as service_type_denominator,
    measure_rows.denominator as measure_denominator
from by_service_type
full outer join measure_rows
    on
        by_service_type.period_start = measure_rows.period_start
        and by_service_type.period_end = measure_rows.period_end
        and by_service_type.area_type = measure_rows.area_type
        and by_service_type.area_code = measure_rows.area_code
where
    by_service_type.area_code is null
    or measure_rows.area_code is null
    or by_service_type.numerator != measure_rows.numerator
    or by_service_type.denominator != measure_rows.denominator
