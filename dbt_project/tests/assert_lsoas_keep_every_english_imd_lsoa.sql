-- Invariant: the LSOA lookup, built on the England and Wales rural-urban list, keeps every LSOA of the English
-- IMD 2019 file with its decile (no English LSOA lost or changed by the move to England and Wales).
with deprivation as (
    select * from {{ ref('stg_reference__lsoa_deprivation') }}
),

lsoas as (
    select * from {{ ref('lsoas') }}
)

select deprivation.lsoa11_code
from deprivation
left join lsoas on deprivation.lsoa11_code = lsoas.lsoa11_code
where lsoas.imd_decile is distinct from deprivation.imd_decile
