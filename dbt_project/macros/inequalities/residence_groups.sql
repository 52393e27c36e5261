{#-
  Grouping over areas of residence, shared by the registered population and the events of the directly
  standardised rates (docs/inequalities.md): the system and each place with breakdown 'all'; the system by each
  breakdown on its own; each place by IMD decile and quintile (for the inequality summary). ``keys`` are the
  columns every grouping set keeps (e.g. 'period_start, period_end, age_band_5y').
-#}

{#- Every published breakdown but age (a standardised rate is standardised for it), plus the IMD decile. -#}
{% macro standardised_breakdowns() -%}
    {{ return(['imd_decile', 'imd_quintile', 'core20', 'ethnic_group', 'sex', 'rurality',
               'learning_disability', 'smi']) }}
{%- endmacro %}

{#- breakdown and breakdown_value of a grouping-sets row: the breakdown grouped on, else 'all'. -#}
{% macro grouped_breakdown(breakdowns) -%}
    case
        {%- for breakdown in breakdowns %}
            when grouping({{ breakdown }}) = 0 then '{{ breakdown }}'
        {%- endfor %}
        else 'all'
    end as breakdown,
    case
        {%- for breakdown in breakdowns %}
            when grouping({{ breakdown }}) = 0 then {{ breakdown }}
        {%- endfor %}
        else 'all'
    end as breakdown_value
{%- endmacro %}

{% macro residence_grouping_sets(keys) -%}
    ({{ keys }}),
        ({{ keys }}, place_code),
        {%- for breakdown in standardised_breakdowns() %}
            ({{ keys }}, {{ breakdown }}),
        {%- endfor %}
        ({{ keys }}, place_code, imd_decile),
        ({{ keys }}, place_code, imd_quintile)
{%- endmacro %}

{#- The select list of a grouping-sets query over residents: area (system or place) and breakdown. -#}
{% macro residence_group_columns() -%}
    {{ grouped_area([['place', 'place_code']]) }},
        {{ grouped_breakdown(standardised_breakdowns()) }}
{%- endmacro %}
