-- Grain: one row per English LSOA (2011). Renames and casts the IMD 2019 file.
with source as (
    select * from {{ source('reference', 'imd2019') }}
),

renamed as (
    select
        "LSOA code (2011)" as lsoa11_code,
        "LSOA name (2011)" as lsoa11_name,
        "Local Authority District code (2019)" as lad19_code,
        "Local Authority District name (2019)" as lad19_name,
        cast(replace("Index of Multiple Deprivation (IMD) Rank", ',', '') as integer) as imd_rank,
        cast("Index of Multiple Deprivation (IMD) Decile" as integer) as imd_decile
    from source
)

select * from renamed
