{#-
  The reablement measures' rules (issue 12, measures 5 and 6), written once.
-#}

{#- The cohort: people aged 65 or over at the start of reablement (ASCOF 2B(1)); an unknown age is not in it. -#}
{% macro is_reablement_cohort(age_years) -%}
    {{ age_years }} >= 65
{%- endmacro %}

{#- The ASCOF collection period: discharges from 1 October to 31 December (calendar months 10-12). -#}
{% macro ascof_collection_months() -%}
    (10, 11, 12)
{%- endmacro %}
