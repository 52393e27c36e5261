{#-
  Building blocks of the measure record shape (docs/measures.md, "The record shape"), written with dbt's
  cross-database macros so the measure models can later run on a server warehouse.
-#}

{#- The first and last day of the calendar month a date or timestamp falls in. -#}
{% macro month_start(expression) -%}
    cast({{ dbt.date_trunc('month', expression) }} as date)
{%- endmacro %}

{% macro month_end(expression) -%}
    cast({{ dbt.last_day(expression, 'month') }} as date)
{%- endmacro %}

{#- A condition as a record's 0/1 numerator (a proportion's): 1.0 when it holds, 0.0 otherwise (null too). -#}
{% macro measure_flag(condition) -%}
    cast(case when {{ condition }} then 1 else 0 end as double)
{%- endmacro %}

{#- A number as the record shape's double (a literal such as 1 is an integer or decimal otherwise). -#}
{% macro as_double(expression) -%}
    cast({{ expression }} as double)
{%- endmacro %}

{#- True when ``value`` is one of the items of ``list_text``, a registry list such as 'system, place, site'. -#}
{% macro registry_list_has(list_text, value) -%}
    {{ dbt.position("', ' || " ~ value ~ " || ','", "', ' || " ~ list_text ~ " || ','") }} > 0
{%- endmacro %}
