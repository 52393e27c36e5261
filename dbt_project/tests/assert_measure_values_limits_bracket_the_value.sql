-- Invariant: where a row has confidence limits they nest around its value (lower 99.8% <= lower 95% <= value <=
-- upper 95% <= upper 99.8%); a percentage lies between 0 and 100; the best value is never worse than the row's
-- own, and meets_target and gap_to_best follow from target, best value and polarity.
with measure_values as (
    select * from {{ ref('measure_values') }}
),

measures as (
    select * from {{ ref('measures') }}
)

select
    measure_values.*,
    measures.polarity
from measure_values
inner join measures on measure_values.measure_id = measures.measure_id
where
    measure_values.lower_998 > measure_values.lower_95 + 1e-9
    or measure_values.lower_95 > measure_values.value + 1e-9
    or measure_values.value > measure_values.upper_95 + 1e-9
    or measure_values.upper_95 > measure_values.upper_998 + 1e-9
    or (measure_values.unit = 'percent' and measure_values.value not between 0 and 100)
    or (measures.polarity = 'higher_is_better' and measure_values.best_value < measure_values.value)
    or (measures.polarity = 'lower_is_better' and measure_values.best_value > measure_values.value)
    or (measure_values.area_type = 'system' and measure_values.best_value is not null)
    or (measure_values.target is null and measure_values.meets_target is not null)
    or (
        measures.polarity = 'higher_is_better'
        and measure_values.meets_target is distinct from (measure_values.value >= measure_values.target)
    )
    or (
        measures.polarity = 'lower_is_better'
        and measure_values.meets_target is distinct from (measure_values.value <= measure_values.target)
    )
    or measure_values.gap_to_best is distinct from abs(measure_values.best_value - measure_values.value)
