-- Grain: one row per open referral-to-treatment pathway per weekly census date and organisation
-- (organisation_code, snapshot_date, pathway_id): both acute trusts' waiting-list snapshots (rwp_rtt, rlq_rtt).
-- A view: its one reader (int_rtt_census_pathways_selected) and its test read the two staging tables directly;
-- copying them into a table took 1.7 s and saved its reader nothing (bench/results.md, fourteenth round).
{{ config(materialized='view') }}
with rwp_pathways as (
    select * from {{ ref('stg_rwp__rtt_pathways') }}
),

rlq_pathways as (
    select * from {{ ref('stg_rlq__rtt_pathways') }}
),

{%- set columns = ['organisation_code', 'snapshot_date', 'pathway_id', 'site_code', 'treatment_function_code',
                   'clock_start_date', 'person_id', 'age_years', 'sex_code', 'lsoa11_code'] %}

pathways as (
    {{ union_columns(['rwp_pathways', 'rlq_pathways'], columns) }}
),

final as (
    select * from pathways
)

select * from final
