{#-
  area_type and area_code of a row of a ``group by grouping sets`` query over measure records: the finest area
  column grouped on, from ``levels`` (a list of [area_type, column] pairs, finest first, e.g.
  [['site', 'site_code'], ['organisation', 'organisation_code']]); a row grouped on none of them is the
  system's (area_code the ICB's, var system_area_code).
-#}
{% macro grouped_area(levels) -%}
    case
        {%- for area_type, column in levels %}
            when grouping({{ column }}) = 0 then '{{ area_type }}'
        {%- endfor %}
        else 'system'
    end as area_type,
    case
        {%- for area_type, column in levels %}
            when grouping({{ column }}) = 0 then {{ column }}
        {%- endfor %}
        else '{{ var("system_area_code") }}'
    end as area_code
{%- endmacro %}
