{#-
  The bodies of the admitted patient care measure models (issue 11, measures 6-8), in the record shape
  (docs/measures.md, "The record shape"). Each publishes only the months int_apc_months_delivered allows.
-#}

{#- Readmission measures: one record per index spell of int_apc_index_spells_followed (only the readmitted ones
    when ``readmitted_only``), period = calendar month of the index discharge, published when the 30-day follow-up
    of the month lies inside the delivered data; the spine looked up at the discharge date; numerator 1 when
    ``numerator`` holds (a condition on the index spell's columns). -#}
{% macro readmission_measure_records(measure_id, numerator, readmitted_only=false) -%}
with index_spells as (
    select * from {{ ref('int_apc_index_spells_followed') }}
),

months as (
    select * from {{ ref('int_apc_months_delivered') }}
),

in_scope as (
    select
        index_spells.*,
        months.month_start as period_start,
        months.month_end as period_end
    from index_spells
    inner join months on {{ month_start('index_spells.discharge_date') }} = months.month_start
    where
        months.is_follow_up_delivered
        {%- if readmitted_only %}
            and index_spells.is_readmitted
        {%- endif %}
),

final as (
    select
        {{ measure_record(measure_id, 'discharge_date', measure_flag(numerator), as_double(1)) }}
    from in_scope
)

select * from final
{%- endmacro %}

{#- Length of stay of emergency spells: one record per spell admitted as an emergency (method 21-28) and
    discharged in a month whose stays started inside the delivered data, period = calendar month of the
    discharge date; value_item = discharge date minus admission date in days; numerator and denominator 1 (a
    spell). The spine looked up at the discharge date. -#}
{% macro emergency_los_records(measure_id) -%}
with spells as (
    select * from {{ ref('int_apc_spells_unioned') }}
),

months as (
    select * from {{ ref('int_apc_months_delivered') }}
),

in_scope as (
    select
        spells.*,
        months.month_start as period_start,
        months.month_end as period_end
    from spells
    inner join months on {{ month_start('spells.discharge_date') }} = months.month_start
    where
        months.is_history_delivered
        and {{ is_emergency_admission('spells.admission_method_code') }}
),

final as (
    select
        {{ measure_record(measure_id, 'discharge_date', as_double(1), as_double(1),
                          as_double(dbt.datediff('admission_date', 'discharge_date', 'day'))) }}
    from in_scope
)

select * from final
{%- endmacro %}

{#- Emergency admissions as events of a directly standardised rate: one record per spell admitted as an emergency
    (method 21-28) in a month both APC feeds delivered, period = calendar month of the admission; numerator 1,
    denominator 0 (the denominator is the registered population). The spine looked up at the admission date. -#}
{% macro emergency_admission_records(measure_id) -%}
with spells as (
    select * from {{ ref('int_apc_spells_unioned') }}
),

months as (
    select * from {{ ref('int_apc_months_delivered') }}
),

in_scope as (
    select
        spells.*,
        months.month_start as period_start,
        months.month_end as period_end
    from spells
    inner join months on {{ month_start('spells.admission_date') }} = months.month_start
    where {{ is_emergency_admission('spells.admission_method_code') }}
),

final as (
    select
        {{ measure_record(measure_id, 'admission_date', as_double(1), as_double(0)) }}
    from in_scope
)

select * from final
{%- endmacro %}
