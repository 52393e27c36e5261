{#-
  The body of a measure model from one source model of events: one record per row of ``source`` (a ref) that
  ``in_scope`` (a condition, or none for every row) keeps, in the record shape (docs/measures.md, "The record
  shape"). The period is the calendar month of ``event_at`` (a date or timestamp column), and the person spine
  is looked up at its date; the numerator is 1 when ``numerator`` (a condition on the row) holds. The source
  carries organisation_code, site_code, person_id, lsoa11_code, age_years and sex_code, and
  ethnic_category_code unless ``has_ethnic_category`` is false (then the record's is null and the spine gives
  the register's). ``derived`` (optional) is a list of extra columns (``expression as name``) the conditions may
  use. ``denominator`` is each record's denominator (1, or 0 for a directly standardised rate, whose records are
  events and whose denominator is the registered population).
-#}
{% macro measure_records(measure_id, source, event_at, numerator, in_scope=none, has_ethnic_category=true,
                         derived=[], denominator=1) -%}
with events as (
    select
        {%- for column in derived %}
            {{ column }},
        {%- endfor %}
        *
    from {{ source }}
),

in_scope as (
    select * from events
    {%- if in_scope %}
    where {{ in_scope }}
    {%- endif %}
),

final as (
    select
        '{{ measure_id }}' as measure_id,
        {{ month_start(event_at) }} as period_start,
        {{ month_end(event_at) }} as period_end,
        organisation_code,
        site_code,
        person_id,
        cast({{ event_at }} as date) as event_date,
        lsoa11_code,
        cast(age_years as integer) as age_years,
        sex_code,
        {{ 'ethnic_category_code' if has_ethnic_category else 'cast(null as varchar)' }} as ethnic_category_code,
        {{ measure_flag(numerator) }} as numerator,
        {{ as_double(denominator) }} as denominator,
        {{ as_double('null') }} as value_item
    from in_scope
)

select * from final
{%- endmacro %}
