-- Grain: one row per measure, organisation and period (period_start, period_end): how many of the measure's records
-- from that organisation's feeds were linked to the GP register through the person spine, and how many were not (no
-- person_id sent, or a person on no snapshot of the register). Unlinked records are never dropped: they count
-- in every measure value, with 'unknown' register attributes.
with records as (
    select * from {{ ref('int_measure_records_enriched') }}
),

measure_feeds as (
    select * from {{ ref('measure_feeds') }}
),

feeds_by_organisation as (
    select
        measure_id,
        organisation_code,
        {{ dbt.listagg('feed_id', "', '", 'order by feed_id') }} as feed_ids
    from measure_feeds
    group by measure_id, organisation_code
),

counted as (
    select
        measure_id,
        organisation_code,
        period_start,
        period_end,
        cast(sum(record_count) as bigint) as records,
        cast(sum(case when person_link = 'on_or_before' then record_count else 0 end) as bigint)
            as linked_on_or_before,
        cast(sum(case when person_link = 'later_snapshot' then record_count else 0 end) as bigint)
            as linked_later_snapshot,
        cast(sum(case when person_link = 'no_person_id' then record_count else 0 end) as bigint)
            as unlinked_no_person_id,
        cast(sum(case when person_link = 'not_on_register' then record_count else 0 end) as bigint)
            as unlinked_not_on_register
    from records
    group by measure_id, organisation_code, period_start, period_end
),

final as (
    select
        counted.measure_id,
        counted.organisation_code,
        feeds_by_organisation.feed_ids,
        counted.period_start,
        counted.period_end,
        counted.records,
        counted.linked_on_or_before,
        counted.linked_later_snapshot,
        counted.unlinked_no_person_id,
        counted.unlinked_not_on_register,
        counted.unlinked_no_person_id + counted.unlinked_not_on_register as unlinked,
        100.0 * (counted.unlinked_no_person_id + counted.unlinked_not_on_register) / counted.records
            as pct_unlinked
    from counted
    left join feeds_by_organisation
        on
            counted.measure_id = feeds_by_organisation.measure_id
            and counted.organisation_code = feeds_by_organisation.organisation_code
)

select * from final
