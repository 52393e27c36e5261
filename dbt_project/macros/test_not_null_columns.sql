{#- Generic test, declared on a model: none of `columns` holds a null. One scan of the model checks them all, as
    one dbt node instead of one per column (dbt's work per node costs more than the query on this project). Only
    the rows with a null in one of them are counted: DuckDB skips what its statistics show has none, and pushes the
    condition down into a view's scans (through a window partitioned by those columns too), so a lake view's key is
    checked without ranking the feed's rows (bench/results.md, thirty-seventh round). A failure returns one row per
    column that has nulls, with how many; the failure count is the nulls in all. -#}
{% test not_null_columns(model, columns) %}
{{ config(fail_calc='coalesce(sum(null_rows), 0)') }}
with counted as (
    select
    {%- for column in columns %}
        count(*) filter (where {{ column }} is null) as {{ adapter.quote(column) }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ model }}
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
{% endtest %}
