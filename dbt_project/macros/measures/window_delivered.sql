{#-
  True when a clock that runs ``days_after`` days past the end of a month stays inside the delivered data: the
  month and every month up to the one holding its last day plus ``days_after`` are delivered (``flag`` true in
  ``months``, a relation with one row per month: month_start, month_end and the flag). For a select from
  ``months`` itself (a correlated count of the delivered months in the window).
-#}
{% macro window_delivered(months, flag, days_after) -%}
    (
        select count(*)
        from {{ months }} as delivered
        where
            delivered.{{ flag }}
            and delivered.month_start between {{ months }}.month_start
            and {{ month_start(dbt.dateadd('day', days_after, months ~ '.month_end')) }}
    ) = {{ dbt.datediff(months ~ '.month_start', month_start(dbt.dateadd('day', days_after, months ~ '.month_end')),
                        'month') }} + 1
{%- endmacro %}
