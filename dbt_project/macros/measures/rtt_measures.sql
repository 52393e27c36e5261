{#-
  The referral-to-treatment measures: each one's numerator as a condition on ``days_waited`` (census date minus
  clock start date) of an incomplete pathway at its month's census (int_rtt_census_pathways_selected). The one
  place these thresholds are written: the measure models and the treatment-function mart both read them here.
  18 weeks = 126 days (a wait of exactly 126 days is within); more than 52, 65 and 78 weeks = at least 365,
  456 and 547 days.
-#}
{% macro rtt_wait_conditions() -%}
    {{ return({
        'rtt_within_18_weeks': 'days_waited <= 126',
        'rtt_over_52_weeks': 'days_waited >= 365',
        'rtt_over_65_weeks': 'days_waited >= 456',
        'rtt_over_78_weeks': 'days_waited >= 547',
    }) }}
{%- endmacro %}

{#- The body of an RTT measure model: one record per incomplete pathway at the census, period = census month. -#}
{% macro rtt_measure_records(measure_id) -%}
{{ measure_records(
    measure_id=measure_id,
    source=ref('int_rtt_census_pathways_selected'),
    event_at='census_date',
    numerator=rtt_wait_conditions()[measure_id],
    has_ethnic_category=false,
) }}
{%- endmacro %}
