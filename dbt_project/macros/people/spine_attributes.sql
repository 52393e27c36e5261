{#-
  The person spine's derived attributes (docs/measures.md, "The person spine"): each takes a column and
  returns the published category, never null.
-#}

{#- Published age bands; a missing age is 'unknown'. -#}
{% macro age_band_published(age) -%}
    case
        when {{ age }} is null then 'unknown'
        when {{ age }} < 18 then '0-17'
        when {{ age }} < 45 then '18-44'
        when {{ age }} < 65 then '45-64'
        when {{ age }} < 80 then '65-79'
        else '80+'
    end
{%- endmacro %}

{#- Five-year bands 0-4 ... 85-89, 90+ (the European Standard Population's, for standardisation). Ages 0-89 read
    their label from a list rather than writing it out (a fifth of a grouping's time on the register's nine million
    rows); a negative age, which no contract lets through, still gets its label written out. -#}
{% macro age_band_5y(age) -%}
    case
        when {{ age }} is null then 'unknown'
        when {{ age }} >= 90 then '90+'
        when {{ age }} >= 0 then [
            {%- for low in range(0, 90, 5) %}'{{ low }}-{{ low + 4 }}'{{ ', ' if not loop.last }}{% endfor -%}
        ][cast(floor({{ age }} / 5) as integer) + 1]
        else
            cast(cast(floor({{ age }} / 5) * 5 as integer) as varchar)
            || '-'
            || cast(cast(floor({{ age }} / 5) * 5 + 4 as integer) as varchar)
    end
{%- endmacro %}

{#- Person stated gender code: 1 male, 2 female; 9, X or missing other_or_unknown. -#}
{% macro sex_group(code) -%}
    case {{ code }}
        when '1' then 'male'
        when '2' then 'female'
        else 'other_or_unknown'
    end
{%- endmacro %}

{#- The NHS ethnic category letters (A-S, and Z not stated); '99' (not known) is not one. -#}
{% macro ethnic_category_letters() -%}
    ('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'L', 'M', 'N', 'P', 'R', 'S', 'Z')
{%- endmacro %}

{#- The five ONS groups from the NHS ethnic category letter; Z not_stated; missing or unknown not_known. -#}
{% macro ethnic_group(code) -%}
    case
        when {{ code }} in ('A', 'B', 'C') then 'white'
        when {{ code }} in ('D', 'E', 'F', 'G') then 'mixed'
        when {{ code }} in ('H', 'J', 'K', 'L') then 'asian'
        when {{ code }} in ('M', 'N', 'P') then 'black'
        when {{ code }} in ('R', 'S') then 'other'
        when {{ code }} = 'Z' then 'not_stated'
        else 'not_known'
    end
{%- endmacro %}

{#- ONS 2011 rural-urban classification of an LSOA: A1-C2 urban, D1-E2 rural, else unknown. -#}
{% macro rurality_class(ruc_code) -%}
    case
        when {{ ruc_code }} in ('A1', 'B1', 'C1', 'C2') then 'urban'
        when {{ ruc_code }} in ('D1', 'D2', 'E1', 'E2') then 'rural'
        else 'unknown'
    end
{%- endmacro %}

{#- A GP register flag: yes / no for a person found on the register, unknown otherwise. -#}
{% macro register_flag(flag, person_link) -%}
    case
        when {{ person_link }} not in ('on_or_before', 'later_snapshot') then 'unknown'
        when {{ flag }} then 'yes'
        when not {{ flag }} then 'no'
        else 'unknown'
    end
{%- endmacro %}

{#- National IMD 2019 decile or quintile of a joined lsoas row (``column`` imd_decile or imd_quintile): '1'..;
    'outside_england' for a Welsh LSOA; 'unknown' when missing. -#}
{% macro imd_category(lsoas, column) -%}
    case
        when {{ lsoas }}.{{ column }} is not null then cast({{ lsoas }}.{{ column }} as varchar)
        when {{ lsoas }}.country = 'Wales' then 'outside_england'
        else 'unknown'
    end
{%- endmacro %}

{#- Core20: 'core20' for national IMD deciles 1-2, 'rest' otherwise (Welsh LSOAs too), 'unknown' without one. -#}
{% macro core20_group(lsoas) -%}
    case
        when {{ lsoas }}.imd_decile <= 2 then 'core20'
        when {{ lsoas }}.imd_decile is not null or {{ lsoas }}.country = 'Wales' then 'rest'
        else 'unknown'
    end
{%- endmacro %}

{#- One row per LSOA of ``lsoas`` with its area breakdowns (IMD decile and quintile, Core20, rurality, and the
    place of its district in ``places``): records join this on their LSOA, so each breakdown is worked out once per
    LSOA (35,000) rather than once per record (millions). Used as a CTE named lsoa_breakdowns. -#}
{% macro lsoa_breakdown_rows() -%}
    select
        lsoas.lsoa11_code,
        {{ imd_category('lsoas', 'imd_decile') }} as imd_decile,
        {{ imd_category('lsoas', 'imd_quintile') }} as imd_quintile,
        {{ core20_group('lsoas') }} as core20,
        {{ rurality_class('lsoas.rural_urban_code') }} as rurality,
        coalesce(places.place_code, 'outside_system') as place_code
    from lsoas
    left join places on lsoas.lad19_code = places.district_code
{%- endmacro %}

{#- The area breakdowns of a row left-joined to lsoa_breakdowns (lsoa_breakdown_rows) on its LSOA: a missing LSOA,
    or one not in the lookup, is 'unknown' and 'outside_system', as the macros above make of an unmatched LSOA. -#}
{% macro area_breakdowns() -%}
coalesce(lsoa_breakdowns.imd_decile, 'unknown') as imd_decile,
        coalesce(lsoa_breakdowns.imd_quintile, 'unknown') as imd_quintile,
        coalesce(lsoa_breakdowns.core20, 'unknown') as core20,
        coalesce(lsoa_breakdowns.rurality, 'unknown') as rurality,
        coalesce(lsoa_breakdowns.place_code, 'outside_system') as place_code
{%- endmacro %}

{#- Every breakdown of a resolved measure record (int_measure_records_enriched): ``resolved`` names the relation
    with its age_years, sex_code, ethnic_category_code, register flags and person_link, joined to lsoa_breakdowns
    on its LSOA. -#}
{% macro record_breakdowns(resolved) -%}
{{ age_band_published(resolved ~ '.age_years') }} as age_band,
        {{ age_band_5y(resolved ~ '.age_years') }} as age_band_5y,
        {{ sex_group(resolved ~ '.sex_code') }} as sex,
        {{ ethnic_group(resolved ~ '.ethnic_category_code') }} as ethnic_group,
        {{ area_breakdowns() }},
        {{ register_flag(resolved ~ '.is_on_learning_disability_register', resolved ~ '.person_link') }}
            as learning_disability,
        {{ register_flag(resolved ~ '.is_on_smi_register', resolved ~ '.person_link') }} as smi
{%- endmacro %}

{#- The columns of a measure record resolved against its spine row (int_measure_records_enriched): ``records``
    names the records, ``spine`` their spine rows (person_link, register_snapshot_date, the register's sex, ethnic
    category and LSOA as register_*, and the two register flags). LSOA, sex and ethnic category are the record's
    own, else the register's; a record without a person_id is 'no_person_id', one without a spine row
    'not_on_register'. -#}
{% macro resolved_record(records, spine) -%}
{{ records }}.measure_id,
        {{ records }}.period_start,
        {{ records }}.period_end,
        {{ records }}.organisation_code,
        {{ records }}.site_code,
        {{ records }}.person_id,
        {{ records }}.event_date,
        {{ records }}.age_years,
        {{ records }}.numerator,
        {{ records }}.denominator,
        {{ records }}.value_item,
        {{ spine }}.register_snapshot_date,
        {{ spine }}.is_on_learning_disability_register,
        {{ spine }}.is_on_smi_register,
        case
            when {{ records }}.person_id is null then 'no_person_id'
            else coalesce({{ spine }}.person_link, 'not_on_register')
        end as person_link,
        coalesce({{ records }}.lsoa11_code, {{ spine }}.register_lsoa11_code) as lsoa11_code,
        coalesce({{ records }}.sex_code, {{ spine }}.register_sex_code) as sex_code,
        case
            when {{ records }}.ethnic_category_code in {{ ethnic_category_letters() }}
                then {{ records }}.ethnic_category_code
            else {{ spine }}.register_ethnic_category_code
        end as ethnic_category_code
{%- endmacro %}

{#- A resolved measure record relation with every breakdown (record_breakdowns) added: its LSOA joined to the
    CTE lsoa_breakdowns (lsoa_breakdown_rows). -#}
{% macro with_breakdowns(resolved) -%}
    select
        {{ resolved }}.*,
        {{ record_breakdowns(resolved) }}
    from {{ resolved }}
    left join lsoa_breakdowns on {{ resolved }}.lsoa11_code = lsoa_breakdowns.lsoa11_code
{%- endmacro %}

{#- The groups of a relation of records with breakdowns (with_breakdowns): one row per measure, period,
    organisation, site, register snapshot, person link and breakdowns, in the enriched records' columns;
    record_count records, their numerators and denominators summed, and no person, event date, age, LSOA, codes,
    register flags or value_item of its own (the breakdowns say them). -#}
{% macro record_groups(enriched) -%}
{%- set breakdowns = ['age_band', 'age_band_5y', 'sex', 'ethnic_group', 'imd_decile', 'imd_quintile', 'core20',
                      'rurality', 'place_code', 'learning_disability', 'smi'] -%}
    select
        measure_id,
        period_start,
        period_end,
        organisation_code,
        site_code,
        cast(null as uuid) as person_id,
        cast(null as date) as event_date,
        cast(null as integer) as age_years,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        cast(null as double) as value_item,
        register_snapshot_date,
        cast(null as boolean) as is_on_learning_disability_register,
        cast(null as boolean) as is_on_smi_register,
        person_link,
        cast(null as varchar) as lsoa11_code,
        cast(null as varchar) as sex_code,
        cast(null as varchar) as ethnic_category_code,
        count(*) as record_count,
        {{ breakdowns | join(',\n        ') }}
    from {{ enriched }}
    group by
        measure_id, period_start, period_end, organisation_code, site_code, register_snapshot_date, person_link,
        {{ breakdowns | join(', ') }}
{%- endmacro %}

{#- The measure records (CTE ``records``, with ``measures`` the registry) that meet ``condition``, resolved against
    their ``spine`` rows (resolved_record), joined on person and event date. -#}
{% macro records_resolved(spine, condition) -%}
    select {{ resolved_record('records', spine) }}
    from records
    inner join measures on records.measure_id = measures.measure_id
    left join {{ spine }}
        on
            records.person_id = {{ spine }}.person_id
            and records.event_date = {{ spine }}.event_date
    where {{ condition }}
{%- endmacro %}
