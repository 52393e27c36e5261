-- Grain: one row per Core20PLUS5 measure (the registry's core20plus5_area), period, area (system or place
-- of residence), comparison (core20_vs_rest, learning_disability_vs_not, smi_vs_not) and ethnic group ('all', or
-- one group for core20_vs_rest): the value of the focus group (Core20, or people on the register) against the
-- comparison group (the rest, or people not on it), each with Wilson 95% limits, the gap (focus minus
-- comparison, percentage points) and whether the focus group is better, similar or worse than the comparison
-- group's value (the measure's polarity; 95% limits, as compared_to_system). Records whose group is unknown
-- are in neither side. docs/inequalities.md.
{%- set comparisons = [
    ('core20_vs_rest', 'core20', 'core20', 'rest'),
    ('learning_disability_vs_not', 'learning_disability', 'yes', 'no'),
    ('smi_vs_not', 'smi', 'yes', 'no'),
] %}

with records as (
    select * from {{ ref('int_measure_records_enriched') }}
),

measures as (
    select * from {{ ref('measures') }}
),

in_scope as (
    select
        records.*,
        measures.core20plus5_area,
        measures.polarity
    from records
    inner join measures on records.measure_id = measures.measure_id
    where measures.core20plus5_area is not null
),

sides as (
    {%- for comparison, column, focus, other in comparisons %}
        select
            measure_id,
            core20plus5_area,
            polarity,
            period_start,
            period_end,
            place_code,
            ethnic_group,
            '{{ comparison }}' as comparison,
            case {{ column }} when '{{ focus }}' then 'focus' else 'comparator' end as side,
            numerator,
            denominator
        from in_scope
        where {{ column }} in ('{{ focus }}', '{{ other }}')
        {{ 'union all' if not loop.last }}
    {%- endfor %}
),

grouped as (
    select
        measure_id,
        core20plus5_area,
        polarity,
        period_start,
        period_end,
        comparison,
        {{ grouped_area([['place', 'place_code']]) }},
        case when grouping(ethnic_group) = 0 then ethnic_group else 'all' end as ethnic_group,
        sum(case when side = 'focus' then numerator else 0 end) as focus_numerator,
        sum(case when side = 'focus' then denominator else 0 end) as focus_denominator,
        sum(case when side = 'comparator' then numerator else 0 end) as comparator_numerator,
        sum(case when side = 'comparator' then denominator else 0 end) as comparator_denominator
    from sides
    group by grouping sets (
        (measure_id, core20plus5_area, polarity, period_start, period_end, comparison),
        (measure_id, core20plus5_area, polarity, period_start, period_end, comparison, place_code),
        (measure_id, core20plus5_area, polarity, period_start, period_end, comparison, ethnic_group)
    )
),

valued as (
    select
        *,
        100.0 * focus_numerator / nullif(focus_denominator, 0) as focus_value,
        100 * ({{ wilson_lower('focus_numerator', 'nullif(focus_denominator, 0)', 0.95) }}) as focus_lower_95,
        100 * ({{ wilson_upper('focus_numerator', 'nullif(focus_denominator, 0)', 0.95) }}) as focus_upper_95,
        100.0 * comparator_numerator / nullif(comparator_denominator, 0) as comparator_value,
        100 * ({{ wilson_lower('comparator_numerator', 'nullif(comparator_denominator, 0)', 0.95) }})
            as comparator_lower_95,
        100 * ({{ wilson_upper('comparator_numerator', 'nullif(comparator_denominator, 0)', 0.95) }})
            as comparator_upper_95
    from grouped
    where
        not (area_type = 'place' and area_code = 'outside_system')
        and not (comparison != 'core20_vs_rest' and ethnic_group != 'all')
),

final as (
    select
        measure_id,
        core20plus5_area,
        period_start,
        period_end,
        area_type,
        area_code,
        comparison,
        ethnic_group,
        focus_numerator,
        focus_denominator,
        focus_value,
        focus_lower_95,
        focus_upper_95,
        comparator_numerator,
        comparator_denominator,
        comparator_value,
        comparator_lower_95,
        comparator_upper_95,
        focus_value - comparator_value as gap,
        {{ compared_to_benchmark('polarity', 'focus_value', 'focus_lower_95', 'focus_upper_95',
                                 'comparator_value') }} as focus_compared
    from valued
)

select * from final
