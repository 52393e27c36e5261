{#-
  The period type of one row: a row of a monthly measure that spans more than its first month is a quarter (a
  collection period published beside the months); otherwise the measure's own period type. Trends are judged on
  the monthly rows only (docs/inequalities.md).
-#}
{% macro row_period_type(period_type, period_start, period_end) -%}
    case
        when {{ period_type }} = 'month' and {{ period_end }} > {{ month_end(period_start) }} then 'quarter'
        else {{ period_type }}
    end
{%- endmacro %}
