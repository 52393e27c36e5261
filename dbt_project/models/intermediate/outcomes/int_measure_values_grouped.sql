-- Grain: one row per measure, period, area (type and code) and breakdown value, for every area and breakdown
-- the frame offers: system, place (by residence, places of the system only), organisation and site with
-- breakdown 'all'; each other breakdown on its own for the system and each organisation. Sums and the item
-- statistics every kind of value needs; marts.measure_values keeps what the registry declares and computes
-- the value. Built with grouping sets over the enriched measure records (each row stands for record_count
-- records: its numerator and denominator are sums already; a row with a value_item is one record).
{%- set breakdowns = ['imd_quintile', 'core20', 'ethnic_group', 'age_band', 'sex', 'rurality',
                      'learning_disability', 'smi'] %}

with records as (
    select * from {{ ref('int_measure_records_enriched') }}
),

grouped as (
    select
        measure_id,
        period_start,
        period_end,
        {{ grouped_area([['site', 'site_code'], ['organisation', 'organisation_code'], ['place', 'place_code']]) }},
        case
            {%- for breakdown in breakdowns %}
                when grouping({{ breakdown }}) = 0 then '{{ breakdown }}'
            {%- endfor %}
            else 'all'
        end as breakdown,
        case
            {%- for breakdown in breakdowns %}
                when grouping({{ breakdown }}) = 0 then {{ breakdown }}
            {%- endfor %}
            else 'all'
        end as breakdown_value,
        cast(sum(record_count) as bigint) as records,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        count(value_item) as items,
        avg(value_item) as mean_item,
        percentile_cont(0.5) within group (order by value_item) as median_item
    from records
    group by grouping sets (
        (measure_id, period_start, period_end),
        (measure_id, period_start, period_end, place_code),
        (measure_id, period_start, period_end, organisation_code),
        (measure_id, period_start, period_end, organisation_code, site_code),
        {%- for breakdown in breakdowns %}
            (measure_id, period_start, period_end, {{ breakdown }}),
            (measure_id, period_start, period_end, organisation_code, {{ breakdown }}){{ ',' if not loop.last }}
        {%- endfor %}
    )
),

final as (
    select *
    from grouped
    where
        area_code is not null
        and not (area_type = 'place' and area_code = 'outside_system')
)

select * from final
