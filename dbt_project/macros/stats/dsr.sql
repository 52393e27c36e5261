{#-
    Directly standardised rates with Dobson limits, as PHEindicatormethods' calculate_dsr, for use in a
    grouped select whose rows are one group's five-year age bands joined to the standard by age band:

        from ... as rates
        inner join {{ esp2013_weights() }} as esp on rates.age_band = esp.age_band

    Every group must give every band once (zero events where there were none; a band with no population and
    no events adds nothing); a missing band would change the weights, so the model's tests assert 19 bands.
    dsr_value is null below 10 events; the limits too.
        value    = sum(x w / n) / sum(w) x multiplier
        variance = sum(x (w / n)^2) / sum(w)^2
        limit    = value + sqrt(variance / O) (Byar_limit(O) - O) x multiplier,  O = sum(x)
-#}

{%- macro esp2013_weights() -%}
    {#- European Standard Population 2013 (stats.standard_populations.ESP2013 holds the same; a test compares) -#}
    {%- set bands = [('0-4', 5000), ('5-9', 5500), ('10-14', 5500), ('15-19', 5500), ('20-24', 6000),
                     ('25-29', 6000), ('30-34', 6500), ('35-39', 7000), ('40-44', 7000), ('45-49', 7000),
                     ('50-54', 7000), ('55-59', 6500), ('60-64', 6000), ('65-69', 5500), ('70-74', 5000),
                     ('75-79', 4000), ('80-84', 2500), ('85-89', 1500), ('90+', 1000)] -%}
    (select * from (values
    {%- for band, weight in bands %}
        ('{{ band }}', {{ weight }}){{ ',' if not loop.last }}
    {%- endfor %}
    ) as esp2013 (age_band, standard_population))
{%- endmacro -%}

{%- macro stats_dsr_term(events, population, weight, power) -%}
    case when {{ stats_double(events) }} > 0
        then {{ stats_double(events) }} * power({{ stats_double(weight) }} / {{ stats_double(population) }}, {{ power }})
        else 0 end
{%- endmacro -%}

{#- aggregate: the DSR per multiplier people, null below 10 events -#}
{%- macro dsr_value(events, population, weight, multiplier=100000) -%}
    case when sum({{ events }}) >= 10 then
        sum({{ stats_dsr_term(events, population, weight, 1) }}) / sum({{ stats_double(weight) }}) * {{ multiplier }}
    end
{%- endmacro -%}

{#- aggregate: the DSR's variance (unscaled), for dobson_lower and dobson_upper -#}
{%- macro dsr_variance(events, population, weight) -%}
    sum({{ stats_dsr_term(events, population, weight, 2) }}) / power(sum({{ stats_double(weight) }}), 2)
{%- endmacro -%}

{%- macro stats_dobson(value, variance, total_count, multiplier, confidence, side) -%}
    {%- set limit = byars_lower(total_count, confidence) if side == 'lower' else byars_upper(total_count, confidence) -%}
    case when {{ stats_double(total_count) }} >= 10 then
        {{ value }} + sqrt({{ variance }} / {{ stats_double(total_count) }})
        * (({{ limit }}) - {{ stats_double(total_count) }}) * {{ multiplier }}
    end
{%- endmacro -%}

{#- row-wise, from a DSR (already x multiplier), its variance and its total count; null below 10 events -#}
{%- macro dobson_lower(value, variance, total_count, multiplier=100000, confidence=0.95) -%}
    {{ stats_dobson(value, variance, total_count, multiplier, confidence, 'lower') }}
{%- endmacro -%}

{%- macro dobson_upper(value, variance, total_count, multiplier=100000, confidence=0.95) -%}
    {{ stats_dobson(value, variance, total_count, multiplier, confidence, 'upper') }}
{%- endmacro -%}
