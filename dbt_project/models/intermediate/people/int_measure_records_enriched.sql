-- Grain: one row per group of measure records (int_measure_records_unioned) with the same measure, period,
-- organisation, site, register snapshot, person link and breakdowns, the person spine joined first: record_count
-- says how many records a row stands for, its numerator and denominator are their sums, and it carries no person,
-- event date, age, LSOA or codes of its own (its breakdowns say them; macro record_groups). An event measure's
-- record meets the spine at its event date (int_event_people); a register measure's groups come from
-- int_register_record_groups. A record with a value_item (a length of stay: means and medians need every item)
-- is a row of its own, record_count 1, with its person, age, LSOA and codes. Every breakdown derived
-- (docs/measures.md, "The person spine"); LSOA, sex and ethnic category are the record's own, else the register's;
-- unlinked records stay, with 'unknown' register attributes. The synthetic year's 15.7 million records are 1.3
-- million rows (6.8 million when each event record was a row: bench/results.md, thirteenth round).
-- Incremental by measure (macros/people/enriched_increments.sql): a build that selects neither the register, the
-- registry nor the LSOA and place lookups replaces only the rows of the measures whose models it builds.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail',
          pre_hook="{{ delete_enriched_rows_replaced() }}") }}

with records as not materialized (
    select * from {{ ref('int_measure_records_unioned') }}
    where {{ enriched_rows_replaced() }}
),

measures as (
    select * from {{ ref('measures') }}
),

people as (
    select * from {{ ref('int_event_people') }}
),

register_groups as (
    select * from {{ ref('int_register_record_groups') }}
    where {{ enriched_rows_replaced() }}
),

lsoas as (
    select * from {{ ref('lsoas') }}
),

places as (
    select * from {{ ref('places') }}
),

lsoa_breakdowns as (
    {{ lsoa_breakdown_rows() }}
),

-- records with and without an item are resolved apart: one CTE read twice would run its join twice
counted_resolved as (
    {{ records_resolved('people', "measures.records_from = 'events' and records.value_item is null") }}
),

item_resolved as (
    {{ records_resolved('people', "measures.records_from = 'events' and records.value_item is not null") }}
),

counted_enriched as (
    {{ with_breakdowns('counted_resolved') }}
),

item_enriched as (
    {{ with_breakdowns('item_resolved') }}
),

counted_groups as (
    {{ record_groups('counted_enriched') }}
),

item_rows as (
    select
        *,
        cast(1 as bigint) as record_count
    from item_enriched
),

final as (
    select * from counted_groups
    union all
    select * from register_groups
    union all by name
    select * from item_rows
)

select * from final
