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

{#- The feeds lake__superseded_keys counts in this build: every feed when the table is built whole (a full build
    passes --full-refresh); else the feeds whose lake view the build selected (a selection `source:raw.<feed>+`
    selects it), or every feed when it selected none (the model alone). -#}
{% macro lake_feeds_recounted(feeds) -%}
    {%- if not is_incremental() -%}{{ return(feeds) }}{%- endif -%}
    {%- set chosen = [] -%}
    {%- for feed in feeds if ('model.' ~ project_name ~ '.lake__' ~ feed) in selected_resources -%}
        {%- do chosen.append(feed) -%}
    {%- endfor -%}
    {{ return(chosen or feeds) }}
{%- endmacro %}
