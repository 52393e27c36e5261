-- Measure adult_patients_in_hospital_21plus_days (measures/adult_patients_in_hospital_21plus_days.yaml). Grain:
-- one row per patient and census midnight (the midnight at the end of each day of a published month): a patient
-- aged 18 or over at admission, in a bed of either acute trust at that midnight (admitted on or before the day,
-- discharge date after it or none yet) whose stay has reached 21 days (admitted on or before the day minus 21).
-- A person in two spells at once counts once (a record without a person_id is its own patient). numerator 1,
-- denominator 1 / days in the month, so the month's mean midnight count is sum(numerator) / days in the month.
{%- set long_stay_days = 21 %}

with spells as (
    select * from {{ ref('int_apc_spells_unioned') }}
),

months as (
    select * from {{ ref('int_apc_months_delivered') }}
),

day_numbers as (
    select cast(generated_number as integer) as day_number
    from ({{ dbt.generate_series(31) }}) as series
),

census_days as (
    select
        months.month_start as period_start,
        months.month_end as period_end,
        cast({{ dbt.dateadd('day', 'day_numbers.day_number - 1', 'months.month_start') }} as date)
            as census_date,
        {{ dbt.datediff('months.month_start', 'months.month_end', 'day') }} + 1 as days_in_month
    from months
    cross join day_numbers
    where
        months.is_history_delivered
        and day_numbers.day_number <= {{ dbt.datediff('months.month_start', 'months.month_end', 'day') }} + 1
),

adult_long_stays as (
    select *
    from spells
    where
        age_years >= 18
        and (
            discharge_date is null
            or {{ dbt.datediff('admission_date', 'discharge_date', 'day') }} > {{ long_stay_days }}
        )
),

in_bed as (
    select
        census_days.period_start,
        census_days.period_end,
        census_days.census_date,
        census_days.days_in_month,
        adult_long_stays.*
    from census_days
    inner join adult_long_stays
        on
            adult_long_stays.admission_date
            <= cast({{ dbt.dateadd('day', -long_stay_days, 'census_days.census_date') }} as date)
    where adult_long_stays.discharge_date is null or adult_long_stays.discharge_date > census_days.census_date
),

patients as (
    select
        *,
        row_number() over (
            partition by
                census_date,
                person_id,
                case when person_id is null then organisation_code || '|' || spell_id end
            order by admission_date, organisation_code, spell_id
        ) as spell_order
    from in_bed
),

final as (
    select
        {{ measure_record('adult_patients_in_hospital_21plus_days', 'census_date', as_double(1),
                          as_double('1.0 / days_in_month')) }}
    from patients
    where spell_order = 1
)

select * from final
