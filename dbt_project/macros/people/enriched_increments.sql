{#-
  The enriched records (int_measure_records_enriched) are incremental by measure. A measure's rows depend only on
  its own records, the person spine's rows of their pairs, the register's groups of its records, the registry and
  the LSOA and place lookups. A build that selects neither the register, the registry nor a lookup (a new month of
  a hospital feed) keeps the rows of every measure whose model it does not build and replaces the rows of those it
  does: the spine's rows of other measures' pairs are kept as they were (spine_increments.sql). Any other build
  replaces every row.
-#}

{#- True when this build replaces every row: the table is built whole (first build, --full-refresh), the spine
    looks up every pair (the register or the registry selected), or a lookup the breakdowns come from is selected. -#}
{% macro enriched_whole() -%}
    {{ return(spine_looked_up_whole() or build_selects(['lsoas', 'places'])) }}
{%- endmacro %}

{#- A condition on a measure_id column: the rows this build replaces (true when it replaces every row). -#}
{% macro enriched_rows_replaced(column='measure_id') -%}
    {{ measures_built_condition(column, every=enriched_whole()) }}
{%- endmacro %}

{#- Before an incremental build of the enriched records: the rows it replaces go. -#}
{% macro delete_enriched_rows_replaced() -%}
    {%- if execute and this is not none and is_incremental() -%}
        delete from {{ this }} where {{ enriched_rows_replaced() }}
    {%- endif -%}
{%- endmacro %}
