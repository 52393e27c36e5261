-- Grain: one row per organisation, arrival month and national IMD 2019 quintile of residence ('outside_england'
-- for residents of Wales, 'unknown' when the LSOA of residence is missing). Unrounded counts and percentage;
-- disclosure control is applied at publication.
with attendances as (
    select * from {{ ref('int_ed_attendances_enriched') }}
),

counted as (
    select
        organisation_code,
        arrival_month as month,
        imd_quintile_group as imd_quintile,
        count(*) as attendances,
        count(*) filter (where is_within_four_hours) as within_four_hours
    from attendances
    group by all
),

final as (
    select
        organisation_code,
        month,
        imd_quintile,
        attendances,
        within_four_hours,
        100.0 * within_four_hours / attendances as pct_within_four_hours
    from counted
)

select * from final
