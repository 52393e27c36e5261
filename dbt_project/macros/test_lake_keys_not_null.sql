{#- Generic test, declared on a generated lake view (models/lake/): no delivered row of `feed` lacks a part of its
    key (`columns`). A lake view passes its feed's raw rows through with their columns unchanged (lake/current.py:
    it keeps rows, never makes one), so a null key in the view is a null key in the raw batches; the test counts
    them there, in every delivered row (stricter than the view, which holds only the current ones). DuckDB answers
    that from the Parquet statistics without reading a value (1-4 ms a feed), where the view would first find the
    keys held more than once: the year's 23 tests take 0.7-0.9 s summed, mostly dbt's own work per node, against
    2.6-3.0 s, and the GP register's staging no longer waits 0.7 s on its view's test (bench/results.md,
    thirty-eighth round). Before the feed has delivered, the (empty) view is checked.
    A failure returns one row per key column that has nulls, with how many. -#}
{% test lake_keys_not_null(model, feed, columns) %}
{{ config(fail_calc='coalesce(sum(null_rows), 0)') }}
{%- if lake_feed_delivered(feed) %}
{{ null_counts(source('raw', feed), columns) }}
{%- else %}
{{ null_counts(model, columns) }}
{%- endif %}
{% endtest %}
