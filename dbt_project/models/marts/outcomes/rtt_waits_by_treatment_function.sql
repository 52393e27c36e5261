-- Grain: one row per RTT measure, census month (period_start), area (system, organisation, site) and treatment
-- function: the referral-to-treatment measures by treatment function, inside the warehouse only (measure_values
-- has no treatment-function breakdown). Every incomplete pathway at its organisation's month census, numerators
-- from the measures' own thresholds (macros/measures/rtt_measures.sql); value and Wilson limits as in
-- measure_values. Unrounded.
with pathways as (
    select * from {{ ref('int_rtt_census_pathways_selected') }}
),

measures as (
    select * from {{ ref('measures') }}
),

flagged as (
    {%- for measure_id, condition in rtt_wait_conditions().items() %}
        select
            '{{ measure_id }}' as measure_id,
            period_start,
            period_end,
            organisation_code,
            site_code,
            treatment_function_code,
            {{ measure_flag(condition) }} as numerator
        from pathways
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

grouped as (
    select
        measure_id,
        period_start,
        period_end,
        {{ grouped_area([['site', 'site_code'], ['organisation', 'organisation_code']]) }},
        treatment_function_code,
        sum(numerator) as numerator,
        {{ as_double('count(*)') }} as denominator
    from flagged
    group by grouping sets (
        (measure_id, period_start, period_end, treatment_function_code),
        (measure_id, period_start, period_end, organisation_code, treatment_function_code),
        (measure_id, period_start, period_end, organisation_code, site_code, treatment_function_code)
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
        grouped.treatment_function_code,
        grouped.numerator,
        grouped.denominator,
        {{ measure_value_and_limits('measures.value_type', 'grouped.numerator', 'grouped.denominator') }},
        measures.unit,
        measures.target_value as target,
        measures.version as registry_version
    from grouped
    inner join measures on grouped.measure_id = measures.measure_id
)

select * from final
