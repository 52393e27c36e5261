-- Invariant: every current attendance is counted exactly once in the 4-hour mart (no loss, no double count).
with mart as (
    select coalesce(sum(attendances), 0) as n from {{ ref('ed_four_hour_performance') }}
),

staged as (
    select sum(n) as n from (
        select count(*) as n from {{ ref('stg_rwp__ecds_attendances') }}
        union all
        select count(*) as n from {{ ref('stg_rlq__ecds_attendances') }}
    )
)

select mart.n as mart_total, staged.n as staging_total
from mart cross join staged
where mart.n is distinct from staged.n
