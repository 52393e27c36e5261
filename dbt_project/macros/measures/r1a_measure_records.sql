{#-
  The end of a community trust (R1A) measure model whose clock runs past the month (issue 12): after the model's
  own CTEs, one of which (``units``) holds one row per unit of the denominator with the column ``event_at`` (a
  date or timestamp: the period is its calendar month, the spine is looked up at its date) and what the
  ``numerator`` condition reads. Keeps the months int_r1a_months_delivered marks with every flag in
  ``month_flags`` (the feeds delivered it and the clock's window lies inside the data) and writes the record
  shape (docs/measures.md, "The record shape"): organisation from the unit, no site, denominator 1. Written after
  the model's last CTE and a comma.
-#}
{% macro r1a_published_records(measure_id, units, event_at, numerator, month_flags) -%}
months as (
    select * from {{ ref('int_r1a_months_delivered') }}
),

published as (
    select
        {{ units }}.*,
        cast(null as varchar) as site_code,
        months.month_start as period_start,
        months.month_end as period_end
    from {{ units }}
    inner join months on {{ month_start(units ~ '.' ~ event_at) }} = months.month_start
    where
        {%- for flag in month_flags %}
        {{ 'and ' if not loop.first }}months.{{ flag }}
        {%- endfor %}
),

final as (
    select
        {{ measure_record(measure_id, 'cast(' ~ event_at ~ ' as date)', measure_flag(numerator), as_double(1)) }}
    from published
)

select * from final
{%- endmacro %}
