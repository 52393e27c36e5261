{#-
  Helpers of the generated lake models (models/lake/, written by `outcomes contracts sync` from the contracts and
  the rule in lake/current.py). A feed that has not delivered yet reads as an empty relation with its declared
  column types, so a full build works before every feed has arrived.
-#}
{% macro lake_feed_delivered(feed_id) -%}
    {{ return(files_exist(var('lake_dir') ~ '/raw/' ~ feed_id ~ '/*/*.parquet')
              and files_exist(var('lake_dir') ~ '/ledger/*.json')) }}
{%- endmacro %}

{% macro files_exist(pattern) -%}
    {%- if not execute -%}{{ return(true) }}{%- endif -%}
    {%- set result = run_query("select count(*) from glob('" ~ pattern ~ "')") -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{%- endmacro %}

{% macro empty_source_relation(source_name, table_name) -%}
    {%- set node = graph.sources.values() | selectattr('source_name', 'equalto', source_name)
                   | selectattr('name', 'equalto', table_name) | first -%}
    select
    {%- for column in node.columns.values() %}
        cast(null as {{ column.data_type }}) as {{ column.name }}{{ ',' if not loop.last }}
    {%- endfor %}
    where false
{%- endmacro %}
