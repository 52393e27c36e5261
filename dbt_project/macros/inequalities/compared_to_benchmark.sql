{#-
  Fingertips' comparison of a value with a benchmark by its 95% confidence limits: 'not_compared' when the value,
  either limit or the benchmark is missing; else 'higher' when the lower limit is above the benchmark, 'lower'
  when the upper limit is below it, 'similar' when the interval holds it. By ``polarity``: higher is 'better'
  when higher is better, 'worse' when lower is better (and the reverse for lower); polarity none keeps
  higher / similar / lower. docs/inequalities.md.
-#}
{% macro compared_to_benchmark(polarity, value, lower, upper, benchmark) -%}
    case
        when {{ value }} is null or {{ lower }} is null or {{ upper }} is null or {{ benchmark }} is null
            then 'not_compared'
        when {{ lower }} > {{ benchmark }} then
            case {{ polarity }}
                when 'higher_is_better' then 'better'
                when 'lower_is_better' then 'worse'
                else 'higher'
            end
        when {{ upper }} < {{ benchmark }} then
            case {{ polarity }}
                when 'higher_is_better' then 'worse'
                when 'lower_is_better' then 'better'
                else 'lower'
            end
        else 'similar'
    end
{%- endmacro %}
