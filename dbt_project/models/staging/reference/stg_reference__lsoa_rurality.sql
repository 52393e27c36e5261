-- Grain: one row per LSOA (2011) in England and Wales. Renames the rural-urban classification.
with source as (
    select * from {{ source('reference', 'ruc2011') }}
),

renamed as (
    select
        lsoa11cd as lsoa11_code,
        lsoa11nm as lsoa11_name,
        ruc11cd as rural_urban_code,
        ruc11 as rural_urban_name
    from source
)

select * from renamed
