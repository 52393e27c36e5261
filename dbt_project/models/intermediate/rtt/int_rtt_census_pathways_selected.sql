-- Grain: one row per incomplete referral-to-treatment pathway at its organisation's month census
-- (organisation_code, census_date, pathway_id), with the days waited. The census of a month is the last weekly
-- snapshot the organisation delivered dated in that month; a month is kept only once it is complete in the
-- delivered data: its census falls in the month's last seven days (where every weekly census's last one falls)
-- or the organisation has delivered a later snapshot. Days waited = census date minus clock start date.
with pathways as (
    select * from {{ ref('int_rtt_pathways_unioned') }}
),

snapshots as (
    select distinct
        organisation_code,
        snapshot_date,
        {{ month_start('snapshot_date') }} as period_start,
        {{ month_end('snapshot_date') }} as period_end
    from pathways
),

censuses as (
    select
        organisation_code,
        period_start,
        period_end,
        max(snapshot_date) as census_date
    from snapshots
    group by organisation_code, period_start, period_end
),

latest_snapshots as (
    select
        organisation_code,
        max(snapshot_date) as latest_snapshot_date
    from snapshots
    group by organisation_code
),

complete_censuses as (
    select censuses.*
    from censuses
    inner join latest_snapshots on censuses.organisation_code = latest_snapshots.organisation_code
    where
        censuses.census_date > {{ dbt.dateadd('day', -7, 'censuses.period_end') }}
        or latest_snapshots.latest_snapshot_date > censuses.period_end
),

final as (
    select
        pathways.organisation_code,
        complete_censuses.period_start,
        complete_censuses.period_end,
        complete_censuses.census_date,
        pathways.pathway_id,
        pathways.site_code,
        pathways.treatment_function_code,
        pathways.clock_start_date,
        cast(
            {{ dbt.datediff('pathways.clock_start_date', 'complete_censuses.census_date', 'day') }} as integer
        ) as days_waited,
        pathways.person_id,
        pathways.age_years,
        pathways.sex_code,
        pathways.lsoa11_code
    from pathways
    inner join complete_censuses
        on
            pathways.organisation_code = complete_censuses.organisation_code
            and pathways.snapshot_date = complete_censuses.census_date
)

select * from final
