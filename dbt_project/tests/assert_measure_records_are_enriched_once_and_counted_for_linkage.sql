-- Invariant: every measure record is enriched exactly once (the spine join adds or loses none; a register
-- measure's grouped rows stand for record_count records each) and counted exactly once in person_linkage, where
-- linked and unlinked records add up to all records.
with unioned as (
    select
        measure_id,
        count(*) as records
    from {{ ref('int_measure_records_unioned') }}
    group by measure_id
),

enriched as (
    select
        measure_id,
        sum(record_count) as records
    from {{ ref('int_measure_records_enriched') }}
    group by measure_id
),

linkage as (
    select
        measure_id,
        sum(records) as records,
        sum(linked_on_or_before + linked_later_snapshot + unlinked) as linked_or_not
    from {{ ref('person_linkage') }}
    group by measure_id
)

select
    unioned.measure_id,
    unioned.records as unioned_records,
    enriched.records as enriched_records,
    linkage.records as linkage_records,
    linkage.linked_or_not
from unioned
full outer join enriched on unioned.measure_id = enriched.measure_id
full outer join linkage on coalesce(unioned.measure_id, enriched.measure_id) = linkage.measure_id
where
    unioned.records is distinct from enriched.records
    or unioned.records is distinct from linkage.records
    or linkage.records is distinct from linkage.linked_or_not
