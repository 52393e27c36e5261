{#-
  A confidence limit of marts.measure_values, on the value's own scale, by the measure's value type: Wilson score
  limits for a proportion (x 100: a percentage), Byar's limits (exact Poisson below 10 events) for a rate per
  100,000; Dobson limits for a directly standardised rate, from the columns ``standardised_prefix`` ~
  'lower_95' etc. (int_measure_values_standardised; null without a prefix); null for counts, means, medians and
  mean daily counts. ``side`` is 'lower' or 'upper'; ``confidence`` 0.95 or 0.998 (the stats macros,
  macros/stats/).
-#}
{% macro measure_limit(side, confidence, value_type='value_type', numerator='numerator',
                       denominator='denominator', standardised_prefix=none) -%}
    {%- set wilson = wilson_lower if side == 'lower' else wilson_upper -%}
    {%- set poisson = poisson_lower if side == 'lower' else poisson_upper -%}
    case {{ value_type }}
        when 'proportion' then 100 * ({{ wilson(numerator, denominator, confidence) }})
        when 'rate' then 100000 * ({{ poisson(numerator, confidence) }}) / {{ denominator }}
        {%- if standardised_prefix %}
        when 'dsr' then {{ standardised_prefix }}{{ side }}_{{ '95' if confidence == 0.95 else '998' }}
        {%- endif %}
    end
{%- endmacro %}

{#-
  The value and its four limits (lower_95, upper_95, lower_998, upper_998) of a mart shaped like
  marts.measure_values from summed counts alone (proportions and rates): select-list items, written after other
  items at an indent of 8 spaces, for the marts that break a measure down further inside the warehouse.
-#}
{% macro measure_value_and_limits(value_type, numerator, denominator) -%}
{{ measure_value(value_type, numerator, denominator, 'null', 'null', 'null') }} as value,
        {%- for confidence, suffix in [(0.95, '95'), (0.998, '998')] %}
            {%- for side in ['lower', 'upper'] %}
        {{ measure_limit(side, confidence, value_type, numerator, denominator) }} as {{ side }}_{{ suffix }}
                {{- ',' if not (loop.last and suffix == '998') }}
            {%- endfor %}
        {%- endfor %}
{%- endmacro %}
