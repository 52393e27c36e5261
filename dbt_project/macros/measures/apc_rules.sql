{#-
  The rules of the admitted patient care measures (issue 11, measures 6-9), written once for every model that
  applies them. Admission methods and treatment functions are the feeds' two- and three-character codes.
-#}

{#- An emergency admission: admission method 21 to 28. -#}
{% macro is_emergency_admission(admission_method) -%}
    coalesce({{ admission_method }} in ('21', '22', '23', '24', '25', '26', '27', '28'), false)
{%- endmacro %}

{#- A cancer primary diagnosis (ICD-10 C00-C97, malignant neoplasms) or obstetrics (treatment function 501):
    neither an index spell nor a readmission. A missing diagnosis is not cancer. -#}
{% macro is_cancer_or_obstetrics(primary_diagnosis, treatment_function) -%}
    coalesce(
        substring({{ primary_diagnosis }}, 1, 1) = 'C' and substring({{ primary_diagnosis }}, 2, 2) between '00' and '97',
        false
    )
    or coalesce({{ treatment_function }} = '501', false)
{%- endmacro %}

{#- The last day after the discharge date on which an emergency admission is a 30-day readmission: admitted
    0 to 29 days after the discharge date. -#}
{% macro readmission_last_day() -%}
    29
{%- endmacro %}
