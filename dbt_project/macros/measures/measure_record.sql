{#-
  The columns of the record shape (docs/measures.md, "The record shape"), in order, for a select from a relation
  that has period_start, period_end, organisation_code, site_code, person_id, lsoa11_code, age_years, sex_code
  and ethnic_category_code under those names; the event date, numerator, denominator and value item are
  expressions (doubles for the last three). Written after `select` at an indent of 8 spaces.
-#}
{% macro measure_record(measure_id, event_date, numerator, denominator, value_item=none) -%}
'{{ measure_id }}' as measure_id,
        period_start,
        period_end,
        organisation_code,
        site_code,
        person_id,
        {{ event_date }} as event_date,
        lsoa11_code,
        cast(age_years as integer) as age_years,
        sex_code,
        ethnic_category_code,
        {{ numerator }} as numerator,
        {{ denominator }} as denominator,
        {{ value_item if value_item is not none else as_double('null') }} as value_item
{%- endmacro %}
