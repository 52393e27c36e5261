{#-
  The body of an emergency department measure model: one record per attendance in the measure's denominator
  (optionally only some department types), period = calendar month of arrival, the spine looked up at the
  arrival date, numerator 1 when ``numerator`` holds: a condition on an attendance of
  int_ed_attendances_unioned and its ``seconds_in_department`` (departure minus arrival, in whole seconds),
  e.g. ``seconds_in_department <= 240 * 60``. The record shape comes from measure_records (``denominator`` as
  there).
-#}
{% macro ed_measure_records(measure_id, numerator, department_types=none, denominator=1) -%}
{{ measure_records(
    measure_id=measure_id,
    source=ref('int_ed_attendances_unioned'),
    event_at='arrived_at',
    numerator=numerator,
    in_scope=("department_type in ('" ~ department_types | join("', '") ~ "')") if department_types else none,
    derived=[dbt.datediff('arrived_at', 'departed_at', 'second') ~ ' as seconds_in_department'],
    denominator=denominator,
) }}
{%- endmacro %}
