{#-
  The body of a Healthwatch feedback staging model (one row per feedback item, current rows only): rename and
  cast. The free-text comment is not selected: it stays in the lake (redacted at ingest) and never reaches a
  model downstream, so no measure record or published table can carry it.
-#}
{% macro stg_feedback_items(feed_id, healthwatch_code) -%}
with source as (
    select * from {{ ref('lake__' ~ feed_id) }}
),

renamed as (
    select
        feedback_id,
        '{{ healthwatch_code }}' as healthwatch_code,
        received_date,
        organisation_code,
        service_type as service_type_code,
        theme,
        rating,
        sentiment,
        channel,
        _batch_id as batch_id
    from source
)

select * from renamed
{%- endmacro %}
