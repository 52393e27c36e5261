-- Invariant: an LSOA outside England (a Welsh residence) never carries an English deprivation value: its IMD
-- rank, decile, quintile and Core20 flag are all null.
select lsoa11_code
from {{ ref('lsoas') }}
where
    country <> 'England'
    and (imd_rank is not null or imd_decile is not null or imd_quintile is not null or is_core20 is not null)
