{#-
  What a build selects, from dbt's `selected_resources`: for models that are built by increments
  (spine_increments.sql, enriched_increments.sql) and replace only what the build's selection can have changed.
-#}

{#- True when this build selects a model or seed of this project named in `names`. -#}
{% macro build_selects(names) -%}
    {%- for name in names -%}
        {%- for kind in ['model', 'seed'] -%}
            {%- if (kind ~ '.' ~ project_name ~ '.' ~ name) in selected_resources -%}{{ return(true) }}{%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{#- The measure ids whose model (measure__<id>) this build selects, sorted. -#}
{% macro measures_built() -%}
    {%- set prefix = 'model.' ~ project_name ~ '.measure__' -%}
    {%- set ids = [] -%}
    {%- for node_id in selected_resources if node_id.startswith(prefix) -%}
        {%- do ids.append(node_id[prefix | length:]) -%}
    {%- endfor -%}
    {{ return(ids | sort) }}
{%- endmacro %}

{#- A condition on a measure_id column: the measures whose model this build selects (false when none; true, every
    measure, when `every`). -#}
{% macro measures_built_condition(column, every=false) -%}
    {%- set ids = measures_built() -%}
    {%- if every -%}
        true
    {%- elif ids -%}
        {{ column }} in ({% for id in ids %}'{{ id }}'{{ ', ' if not loop.last }}{% endfor %})
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}
