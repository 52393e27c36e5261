{#- Generic test, declared on a model: none of `columns` holds a null. One scan of the model checks them all, as
    one dbt node instead of one per column (dbt's work per node costs more than the query on this project). A
    failure returns one row per column that has nulls, with how many; the failure count is the nulls in all. -#}
{% test not_null_columns(model, columns) %}
{{ config(fail_calc='coalesce(sum(null_rows), 0)') }}
{{ null_counts(model, columns) }}
{% endtest %}

{#- The columns of `relation` with nulls among `columns`, one row each: column_name, null_rows. Only the rows with a
    null in one of them are counted: DuckDB skips what its statistics show has none (a Parquet row group, a table's
    segment), and pushes the condition down into a view's scans. -#}
{% macro null_counts(relation, columns) %}
with counted as (
    select
    {%- for column in columns %}
        count(*) filter (where {{ column }} is null) as {{ adapter.quote(column) }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ relation }}
    where
    {%- for column in columns %}
        {{ 'or ' if not loop.first }}{{ column }} is null
    {%- endfor %}
)

select
    column_name,
    null_rows
from counted
unpivot (null_rows for column_name in (
    {%- for column in columns %}{{ adapter.quote(column) }}{{ ', ' if not loop.last }}{% endfor -%}
))
where null_rows > 0
{% endmacro %}
