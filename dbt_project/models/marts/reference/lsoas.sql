-- Grain: one row per English LSOA (2011). Deprivation (national IMD 2019 quintile: 1 most deprived; Core20 is
-- quintile 1), rurality and mid-2015 population: the lookup every inequality breakdown joins to.
with deprivation as (
    select * from {{ ref('stg_reference__lsoa_deprivation') }}
),

rurality as (
    select * from {{ ref('stg_reference__lsoa_rurality') }}
),

population as (
    select * from {{ ref('stg_reference__lsoa_population') }}
),

final as (
    select
        deprivation.lsoa11_code,
        deprivation.lsoa11_name,
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
    from deprivation
    left join rurality on deprivation.lsoa11_code = rurality.lsoa11_code
    left join population on deprivation.lsoa11_code = population.lsoa11_code
)

select * from final
