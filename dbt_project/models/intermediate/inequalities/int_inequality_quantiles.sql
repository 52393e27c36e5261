-- Grain: one row per measure, period, area (system, place of residence, organisation), dimension (imd_decile,
-- imd_quintile) and deprivation quantile ('1' most deprived): the input of marts.inequality_summary. Every
-- measure whose values carry 95% limits (value types proportion, rate and dsr, config INEQUALITY_VALUE_TYPES),
-- for the areas it declares: proportions and rates from the enriched records, as in marts.measure_values;
-- directly standardised rates from int_measure_values_standardised (system and place). population is the
-- quantile's denominator (records for proportions and rates, registered people for a dsr).
with records as (
    select * from {{ ref('int_measure_records_enriched') }}
),

standardised as (
    select * from {{ ref('int_measure_values_standardised') }}
),

measures as (
    select * from {{ ref('measures') }}
),

crude as (
    select
        records.measure_id,
        records.period_start,
        records.period_end,
        {{ grouped_area([['organisation', 'organisation_code'], ['place', 'place_code']]) }},
        case when grouping(records.imd_decile) = 0 then 'imd_decile' else 'imd_quintile' end as dimension,
        case
            when grouping(records.imd_decile) = 0 then records.imd_decile else records.imd_quintile
        end as quantile,
        sum(records.numerator) as numerator,
        sum(records.denominator) as denominator
    from records
    inner join measures on records.measure_id = measures.measure_id
    where measures.value_type in ('proportion', 'rate')
    group by grouping sets (
        {%- for dimension in ['imd_decile', 'imd_quintile'] %}
            {%- for area in ['', 'place_code, ', 'organisation_code, '] %}
                (records.measure_id, records.period_start, records.period_end, {{ area }}records.{{ dimension }})
                {{- ',' if not (loop.last and dimension == 'imd_quintile') }}
            {%- endfor %}
        {%- endfor %}
    )
),

crude_valued as (
    select
        crude.measure_id,
        crude.period_start,
        crude.period_end,
        crude.area_type,
        crude.area_code,
        crude.dimension,
        crude.quantile,
        crude.numerator,
        crude.denominator as population,
        {{ measure_value('measures.value_type', 'crude.numerator', 'crude.denominator', 'null', 'null', 'null') }}
            as value,
        {{ measure_limit('lower', 0.95, 'measures.value_type', 'crude.numerator', 'crude.denominator') }}
            as lower_95,
        {{ measure_limit('upper', 0.95, 'measures.value_type', 'crude.numerator', 'crude.denominator') }}
            as upper_95
    from crude
    inner join measures on crude.measure_id = measures.measure_id
    where
        crude.area_code is not null
        and not (crude.area_type = 'place' and crude.area_code = 'outside_system')
),

standardised_valued as (
    select
        measure_id,
        period_start,
        period_end,
        area_type,
        area_code,
        breakdown as dimension,
        breakdown_value as quantile,
        numerator,
        denominator as population,
        value,
        lower_95,
        upper_95
    from standardised
    where breakdown in ('imd_decile', 'imd_quintile')
),

unioned as (
    select * from crude_valued
    union all
    select * from standardised_valued
),

final as (
    select
        unioned.measure_id,
        measures.value_type,
        measures.polarity,
        {{ row_period_type('measures.period_type', 'unioned.period_start', 'unioned.period_end') }} as period_type,
        unioned.period_start,
        unioned.period_end,
        unioned.area_type,
        unioned.area_code,
        unioned.dimension,
        cast(unioned.quantile as integer) as quantile,
        unioned.numerator,
        unioned.population,
        unioned.value,
        unioned.lower_95,
        unioned.upper_95
    from unioned
    inner join measures on unioned.measure_id = measures.measure_id
    where
        unioned.quantile not in ('unknown', 'outside_england')
        and {{ registry_list_has('measures.areas', 'unioned.area_type') }}
)

select * from final
