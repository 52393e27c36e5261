{#-
  Rows of the current batch of a raw feed, for every period it has delivered.

  A batch is visible only once its ledger row says it loaded (the ledger row is ingest's commit point). For each
  period, the latest loaded batch that covers it wins; earlier batches stay in the lake, superseded. When a feed
  has not delivered yet, an empty relation with the declared column types is returned, so a full build works
  before every feed has arrived.
-#}
{% macro current_batch_rows(feed_id) -%}
    {%- set relation = source('raw', feed_id) -%}
    {%- set ledger = source('lake', 'ledger') -%}
    {%- if execute and not (files_exist(var('lake_dir') ~ '/raw/' ~ feed_id ~ '/*/*.parquet')
                            and files_exist(var('lake_dir') ~ '/ledger/*.json')) -%}
        {{ empty_source_relation('raw', feed_id) }}
    {%- else -%}
        select src.*
        from {{ relation }} as src
        inner join (
            select batch_id, unnest(periods) as period_start
            from {{ ledger }}
            where status = 'loaded' and feed_id = '{{ feed_id }}'
        ) as loaded
            on src._batch_id = loaded.batch_id
            and strftime(src._period, '%Y-%m-%d') = loaded.period_start
        qualify dense_rank() over (partition by src._period order by src._batch_id desc) = 1
    {%- endif -%}
{%- endmacro %}

{% macro files_exist(pattern) -%}
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
