-- Invariant: in the 4-hour mart the numerator never exceeds the denominator and the percentage is 0-100.
select *
from {{ ref('ed_four_hour_performance') }}
where
    within_four_hours > attendances
    or within_four_hours < 0
    or pct_within_four_hours not between 0 and 100
