{#-
  The warehouse's key of a person: the first 128 bits of the lake's person_id (the keyed pseudonym, HMAC-SHA-256
  of the NHS Number written as 64 hex digits) as a UUID, DuckDB's 16-byte type that compares and hashes as one
  128-bit integer and reads back as the same hex digits (8-4-4-4-12), in SQL, pandas and Arrow alike. Every staging
  model that carries a person reads it through this macro, so the spine, the measures and their breakdowns join and
  group on 16 bytes instead of 64 characters (bench/results.md, sixteenth round). Two of ten million people share
  a key with a probability of about 1.5e-25. Null stays null; text that is not a pseudonym fails the cast, naming
  the value.
-#}
{% macro person_key(column) -%}
    cast(left({{ column }}, 32) as uuid)
{%- endmacro %}
