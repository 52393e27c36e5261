{#-
  The value of marts.measure_values (and of the marts shaped like it) by the measure's value type: a proportion
  as a percentage (100 x numerator / denominator), a rate per 100,000, a count as the numerator, the mean or
  median of the records' items, a mean daily count as the numerator over the days in the period; a directly
  standardised rate (dsr) as the column ``standardised`` holds (int_measure_values_standardised), null without
  one.
-#}
{% macro measure_value(value_type='value_type', numerator='numerator', denominator='denominator',
                       mean_item='mean_item', median_item='median_item', days_in_period='days_in_period',
                       standardised=none) -%}
    case {{ value_type }}
        when 'proportion' then 100 * {{ numerator }} / {{ denominator }}
        when 'rate' then 100000 * {{ numerator }} / {{ denominator }}
        when 'count' then {{ numerator }}
        when 'mean' then {{ mean_item }}
        when 'median' then {{ median_item }}
        when 'mean_daily_count' then {{ numerator }} / {{ days_in_period }}
        {%- if standardised %}
        when 'dsr' then {{ standardised }}
        {%- endif %}
    end
{%- endmacro %}
