-- Grain: one row per English LSOA (2011). Mid-2015 population denominators, thousands separators removed.
with source as (
    select * from {{ source('reference', 'population2015') }}
),

renamed as (
    select
        "LSOA code (2011)" as lsoa11_code,
        cast(replace("Total population: mid 2015 (excluding prisoners)", ',', '') as integer) as population_total,
        cast(replace("Dependent Children aged 0-15: mid 2015 (excluding prisoners)", ',', '') as integer)
            as population_0_15,
        cast(replace("Population aged 16-59: mid 2015 (excluding prisoners)", ',', '') as integer)
            as population_16_59,
        cast(replace("Older population aged 60 and over: mid 2015 (excluding prisoners)", ',', '') as integer)
            as population_60_plus
    from source
)

select * from renamed
