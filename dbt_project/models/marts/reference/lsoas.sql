-- Grain: one row per LSOA (2011) of England and Wales (the rural-urban classification lists both): the lookup
-- every inequality breakdown joins to. English LSOAs carry deprivation (national IMD 2019 quintile: 1 most
-- deprived; Core20 is quintile 1) and mid-2015 population. Welsh LSOAs (residents of Wales treated by English
-- trusts, Wye Valley above all) are outside England's deprivation index: their IMD columns stay null, never a
-- guessed English value.
with rurality as (
    select * from {{ ref('stg_reference__lsoa_rurality') }}
),

deprivation as (
    select * from {{ ref('stg_reference__lsoa_deprivation') }}
),

population as (
    select * from {{ ref('stg_reference__lsoa_population') }}
),

final as (
    select
        rurality.lsoa11_code,
        rurality.lsoa11_name,
        case left(rurality.lsoa11_code, 1)
            when 'E' then 'England'
            when 'W' then 'Wales'
        end as country,
        deprivation.lad19_code,
        deprivation.lad19_name,
        deprivation.imd_rank,
        deprivation.imd_decile,
        cast(ceil(deprivation.imd_decile / 2.0) as integer) as imd_quintile,
        deprivation.imd_decile <= 2 as is_core20,
        rurality.rural_urban_code,
        rurality.rural_urban_name,
        starts_with(rurality.rural_urban_name, 'Rural') as is_rural,
        population.population_total
    from rurality
    left join deprivation on rurality.lsoa11_code = deprivation.lsoa11_code
    left join population on rurality.lsoa11_code = population.lsoa11_code
)

select * from final
