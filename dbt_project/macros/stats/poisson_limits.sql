{#-
    Limits of a count of events O (a rate's numerator), as PHEindicatormethods (Breslow and Day 1987):
    Byar's  lower O (1 - 1/(9 O) - z/(3 sqrt O))^3 (null where negative, and at O = 0)
            upper (O + 1) (1 - 1/(9 (O + 1)) + z/(3 sqrt(O + 1)))^3
    exact   lower chi2_quantile((1 - c)/2, 2 O) / 2,  upper chi2_quantile(c + (1 - c)/2, 2 O + 2) / 2
    poisson_lower / poisson_upper: exact below 10 events, Byar's from 10 (the rule for rates).
    Divide by the denominator and multiply by the rate's multiplier to get a rate's limits. Counts are whole
    numbers: a fractional count below 10 has no exact limit (null).
-#}

{%- macro byars_lower(events, confidence=0.95) -%}
    {{- stats_check_level(confidence, "Byar's limits") -}}
    {%- set o = stats_double(events) -%}
    {%- set base = "(1 - 1 / (9 * " ~ o ~ ") - " ~ confidence_z(confidence) ~ " / (3 * sqrt(" ~ o ~ ")))" -%}
    case when {{ o }} > 0 and {{ base }} >= 0 then {{ o }} * power({{ base }}, 3) end
{%- endmacro -%}

{%- macro byars_upper(events, confidence=0.95) -%}
    {{- stats_check_level(confidence, "Byar's limits") -}}
    {%- set o1 = "(" ~ stats_double(events) ~ " + 1)" -%}
    {{ o1 }} * power(1 - 1 / (9 * {{ o1 }}) + {{ confidence_z(confidence) }} / (3 * sqrt({{ o1 }})), 3)
{%- endmacro -%}

{#- chi-squared quantiles / 2 for 0 to 9 events: exact lower and upper limits -#}
{%- macro stats_exact_poisson(events, confidence, side) -%}
    {{- stats_check_level(confidence, "exact Poisson limits") -}}
    {%- set table = {
        'lower': {
            0.95: ['0.0', '0.025317807984289897', '0.24220927854396507', '0.6186721228956015', '1.089865373626325',
                   '1.623486390118421', '2.201894253490851', '2.814363051519867', '3.4538321767485023',
                   '4.115373097378334'],
            0.998: ['0.0', '0.0010005003335835346', '0.045402017769489565', '0.19053337756840327',
                    '0.42855241362842295', '0.7393717319178327', '1.1071046602556396', '1.5203362603988093',
                    '1.9708139217403662', '2.452424404363775']},
        'upper': {
            0.95: ['3.6888794541139354', '5.571643390938898', '7.22468766772396', '8.767273069742323',
                   '10.241588675403694', '11.66833207932267', '13.059474022518685', '14.422675361702376',
                   '15.763189220193313', '17.084803451419166'],
            0.998: ['6.907755278982137', '9.233413476451585', '11.228872242412661', '13.06224077918807',
                    '14.79414922253721', '16.454745203680105', '18.061636840199064', '19.626177395384232',
                    '21.15619816583998', '22.65737330906293']}} -%}
    case {{ stats_double(events) }}
    {%- for limit in table[side][confidence] %} when {{ loop.index0 }} then {{ stats_double(limit) }}{% endfor %} end
{%- endmacro -%}

{%- macro exact_poisson_lower(events, confidence=0.95) -%}
    {{ stats_exact_poisson(events, confidence, 'lower') }}
{%- endmacro -%}

{%- macro exact_poisson_upper(events, confidence=0.95) -%}
    {{ stats_exact_poisson(events, confidence, 'upper') }}
{%- endmacro -%}

{%- macro poisson_lower(events, confidence=0.95) -%}
    case when {{ stats_double(events) }} < 10 then {{ exact_poisson_lower(events, confidence) }}
    else {{ byars_lower(events, confidence) }} end
{%- endmacro -%}

{%- macro poisson_upper(events, confidence=0.95) -%}
    case when {{ stats_double(events) }} < 10 then {{ exact_poisson_upper(events, confidence) }}
    else {{ byars_upper(events, confidence) }} end
{%- endmacro -%}
