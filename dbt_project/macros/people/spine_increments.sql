{#-
  The person spine (int_event_people) is incremental by person and event date. A spine row depends only on the
  GP register, so a build that selects neither the register nor the registry (a new month of a hospital feed)
  keeps every row and looks up only the pairs new to the spine; one that selects either looks every pair up again.
-#}

{#- True when this build looks up every pair: the table is built whole (first build, --full-refresh), or the build
    selects the register (stg_qgh__gp_registrations) or the registry (measures, which says which measures are
    event measures). -#}
{% macro spine_looked_up_whole() -%}
    {%- if not execute or this is none or not is_incremental() -%}{{ return(true) }}{%- endif -%}
    {{ return(build_selects(['stg_qgh__gp_registrations', 'measures'])) }}
{%- endmacro %}

{#- True when this build selects a model or seed of this project named in `names`. -#}
{% macro build_selects(names) -%}
    {%- for name in names -%}
        {%- for kind in ['model', 'seed'] -%}
            {%- if (kind ~ '.' ~ project_name ~ '.' ~ name) in selected_resources -%}{{ return(true) }}{%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{#- The spine's pairs: each distinct person and event date among the event measures' records. -#}
{% macro spine_event_pairs(records, measures) -%}
    select distinct
        records.person_id,
        records.event_date
    from {{ records }} as records
    inner join {{ measures }} as measures on records.measure_id = measures.measure_id
    where
        records.person_id is not null
        and measures.records_from = 'events'
{%- endmacro %}

{#- Before an incremental build of the spine: every row goes when every pair is looked up again; else the rows
    whose pair no record carries any more (a delivery replaced, a person opted out), so the spine holds exactly
    the pairs of the records. -#}
{% macro delete_spine_rows_gone() -%}
    {%- if execute and this is not none and is_incremental() -%}
        {%- if spine_looked_up_whole() -%}
            delete from {{ this }}
        {%- else -%}
            delete from {{ this }} as built
            where not exists (
                select 1
                from ({{ spine_event_pairs(ref('int_measure_records_unioned'), ref('measures')) }}) as pairs
                where pairs.person_id = built.person_id and pairs.event_date = built.event_date
            )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
