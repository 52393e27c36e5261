-- Measure smi_health_checks_all6 (measures/smi_health_checks_all6.yaml). Grain: one row per person on the severe
-- mental illness register at the month's snapshot (the denominator; the latest snapshot dated in the month),
-- period = the snapshot's month; numerator 1 when all six physical health checks are dated in the 12 months
-- ending on the snapshot date: after the same date a year earlier, up to and including the snapshot date.
{%- set checks = ['bmi', 'blood_pressure', 'cholesterol', 'hba1c', 'smoking_status', 'alcohol'] %}

with register as (
    select * from {{ ref('stg_qgh__smi_checks') }}
),

month_snapshots as (
    select
        *,
        {{ month_start('snapshot_date') }} as period_start,
        {{ month_end('snapshot_date') }} as period_end,
        cast({{ dbt.dateadd('year', -1, 'snapshot_date') }} as date) as window_opens_after
    from register
    qualify snapshot_date = max(snapshot_date) over (partition by {{ month_start('snapshot_date') }})
),

checked as (
    select
        *,
        (
            {%- for check in checks %}
                {{ check }}_check_date > window_opens_after
                and {{ check }}_check_date <= snapshot_date{{ '' if loop.last else ' and' }}
            {%- endfor %}
        ) as has_all_six_checks
    from month_snapshots
),

final as (
    select
        'smi_health_checks_all6' as measure_id,
        period_start,
        period_end,
        'QGH' as organisation_code,
        cast(null as varchar) as site_code,
        person_id,
        snapshot_date as event_date,
        lsoa11_code,
        cast(age_years as integer) as age_years,
        sex_code,
        ethnic_category_code,
        {{ measure_flag('has_all_six_checks') }} as numerator,
        {{ as_double(1) }} as denominator,
        {{ as_double('null') }} as value_item
    from checked
)

select * from final
