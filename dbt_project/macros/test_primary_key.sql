{#- Generic test, declared on a column: the column is the model's primary key, every row's value present and held
    by no other row. dbt's `unique` and `not_null` in one scan and one dbt node instead of two (dbt's work per node
    costs more than the query on this project, and a lake view's key check reads the feed through its "latest row
    per key" window each time). A failure returns each value held by more than one row, and the null key if any row
    lacks one, with how many rows hold it. -#}
{% test primary_key(model, column_name) %}
select
    {{ column_name }} as key_value,
    count(*) as rows_held
from {{ model }}
group by {{ column_name }}
having count(*) > 1 or {{ column_name }} is null
{% endtest %}
