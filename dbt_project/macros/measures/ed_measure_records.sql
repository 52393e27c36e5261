{#-
  The body of an emergency department measure model: one record per attendance in the measure's denominator
  (optionally only some department types), period = calendar month of arrival, the spine looked up at the
  arrival date, numerator 1 when ``numerator`` holds: a condition on an attendance of
  int_ed_attendances_unioned and its ``seconds_in_department`` (departure minus arrival, in whole seconds),
  e.g. ``seconds_in_department <= 240 * 60``.
-#}
{% macro ed_measure_records(measure_id, numerator, department_types=none) -%}
with attendances as (
    select * from {{ ref('int_ed_attendances_unioned') }}
),

in_scope as (
    select
        *,
        {{ dbt.datediff('arrived_at', 'departed_at', 'second') }} as seconds_in_department
    from attendances
    {%- if department_types %}
    where department_type in ('{{ department_types | join("', '") }}')
    {%- endif %}
),

final as (
    select
        '{{ measure_id }}' as measure_id,
        {{ month_start('arrived_at') }} as period_start,
        {{ month_end('arrived_at') }} as period_end,
        organisation_code,
        site_code,
        person_id,
        cast(arrived_at as date) as event_date,
        lsoa11_code,
        cast(age_years as integer) as age_years,
        sex_code,
        ethnic_category_code,
        {{ measure_flag(numerator) }} as numerator,
        {{ as_double(1) }} as denominator,
        {{ as_double('null') }} as value_item
    from in_scope
)

select * from final
{%- endmacro %}
