{#-
    Wilson score limits of a proportion x of n (Wilson 1927), as PHEindicatormethods:
    (2x + z^2 -/+ z sqrt(z^2 + 4x (1 - x/n))) / (2 (n + z^2)), on the 0-1 scale (x 100 for a percentage);
    exactly 0 (lower) when x = 0 and 1 (upper) when x = n, the formula's values there.
    The mart's tests keep 0 <= x <= n and n > 0; null x or n gives null limits.
-#}

{%- macro stats_wilson(numerator, denominator, confidence, sign) -%}
    {{- stats_check_level(confidence, "Wilson limits") -}}
    {%- set x, n, z = stats_double(numerator), stats_double(denominator), confidence_z(confidence) -%}
    case when {{ x }} = {{ '0' if sign == '-' else n }} then {{ '0.0' if sign == '-' else '1.0' }} else
    (2 * {{ x }} + {{ z }} * {{ z }} {{ sign }} {{ z }} * sqrt({{ z }} * {{ z }} + 4 * {{ x }} * (1 - {{ x }} / {{ n }})))
    / 2 / ({{ n }} + {{ z }} * {{ z }}) end
{%- endmacro -%}

{%- macro wilson_lower(numerator, denominator, confidence=0.95) -%}
    {{ stats_wilson(numerator, denominator, confidence, '-') }}
{%- endmacro -%}

{%- macro wilson_upper(numerator, denominator, confidence=0.95) -%}
    {{ stats_wilson(numerator, denominator, confidence, '+') }}
{%- endmacro -%}
