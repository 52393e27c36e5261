{#-
    Constants behind the row-wise confidence limits, for the two levels every measure carries: 0.95 and 0.998.
    Digits are Python's shortest round-trip form of scipy's values; tests/stats/test_sql_macros.py checks them.
    Every stats macro returns a SQL expression; confidence is a literal known when the model compiles.
    Constants are cast to double precision: a bare literal is a decimal in DuckDB and Postgres, and decimal
    arithmetic would not round as R's (and numpy's) doubles do.
-#}

{%- macro stats_check_level(confidence, what) -%}
    {%- if confidence not in (0.95, 0.998) -%}
        {{ exceptions.raise_compiler_error(
            what ~ " are available at confidence 0.95 or 0.998 (written as those literals); got " ~ confidence) }}
    {%- endif -%}
{%- endmacro -%}

{#- z = qnorm(c + (1 - c) / 2) -#}
{%- macro confidence_z(confidence=0.95) -%}
    {{- stats_check_level(confidence, 'normal quantiles') -}}
    {{- stats_double({0.95: '1.959963984540054', 0.998: '3.090232306167813'}[confidence]) -}}
{%- endmacro -%}

{#- a value as a double-precision number, so integer counts never divide as integers -#}
{%- macro stats_double(expression) -%}
    cast(({{ expression }}) as double precision)
{%- endmacro -%}
