{#-
  ``columns`` (a list of names) of every relation in ``relations`` (names of CTEs), one ``union all``: the body of
  a CTE that stacks several providers' staging models of the same kind of event.
-#}
{% macro union_columns(relations, columns) -%}
    {%- for relation in relations %}
        select {{ columns | join(', ') }}
        from {{ relation }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
{%- endmacro %}
