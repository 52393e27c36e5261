-- Grain: one row per group of a register measure's records (records_from 'register': one record per person on a
-- GP register snapshot, int_register_records_unioned) with the same measure, period, organisation, site, snapshot,
-- person link and breakdowns; record_count records, their numerator and denominator summed (macro record_groups).
-- Each record's spine row is its own snapshot row ('on_or_before'), found by key rather than by an as-of search;
-- a record whose person is not on that snapshot is 'not_on_register'. The groups' part of
-- int_measure_records_enriched, built apart: one query grouping both kinds of records ran out of the build's 1 GB
-- buffer. It reads the register measures' own union, so it builds as soon as they are built, mostly before the
-- person spine (the two large joins at once share that buffer and spill), and a build of an event feed's new month
-- does not select it (bench/results.md, thirteenth round).
with records as (
    select * from {{ ref('int_register_records_unioned') }}
),

measures as (
    select * from {{ ref('measures') }}
),

registrations as (
    select * from {{ ref('stg_qgh__gp_registrations') }}
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

register_spine as (
    select
        person_id,
        snapshot_date as event_date,
        'on_or_before' as person_link,
        snapshot_date as register_snapshot_date,
        sex_code as register_sex_code,
        ethnic_category_code as register_ethnic_category_code,
        lsoa11_code as register_lsoa11_code,
        is_on_learning_disability_register,
        is_on_smi_register
    from registrations
),

register_resolved as (
    {{ records_resolved('register_spine', "measures.records_from = 'register'") }}
),

register_enriched as (
    {{ with_breakdowns('register_resolved') }}
),

final as (
    {{ record_groups('register_enriched') }}
)

select * from final
