{#-
  The feeds of the raw source with their contract's cadence, from the meta that `outcomes contracts sync` writes
  into models/staging/lake/_lake__sources.yml: a list of {feed_id, frequency, deadline_days}, by feed id. Empty
  while dbt parses (the graph is filled in when it executes).
-#}
{% macro feed_cadences() -%}
    {%- if not execute or graph is not defined -%}{{ return([]) }}{%- endif -%}
    {%- set feeds = [] -%}
    {%- for node in graph.sources.values() | selectattr('source_name', 'equalto', 'raw') | sort(attribute='name') -%}
        {%- do feeds.append({'feed_id': node.name, 'frequency': node.meta.cadence.frequency,
                             'deadline_days': node.meta.cadence.deadline_days}) -%}
    {%- endfor -%}
    {{ return(feeds) }}
{%- endmacro %}
