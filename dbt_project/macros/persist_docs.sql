{#-
  The models' descriptions written into the warehouse as DuckDB comments, so an analyst reads what a table and
  each of its columns mean in the snapshot itself (docs/sql.md, "What does a column mean?"): the project's on-run-end
  hook (dbt_project.yml), once a build, for every model the build created or replaced.

  dbt's own `persist_docs` config did this model by model, in three queries each (the table's comment, its columns
  looked up, the columns' comments), about 2 s of a build's 12 s on a small warehouse (bench/results.md, thirty-
  fourth round). Here it is one query of the warehouse's columns and one statement of every comment, in one
  transaction. A documented column the model does not have is left out, as dbt's did.
-#}
{% macro persist_docs_of_run(results) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set built = [] -%}
    {%- for result in results if result.node.resource_type == 'model' and result.status == 'success'
                                and result.node.config.materialized in ('table', 'incremental', 'view') -%}
        {%- do built.append(result.node) -%}
    {%- endfor -%}
    {%- if not built -%}{{ return('') }}{%- endif -%}
    {%- set existing = {} -%}
    {%- set columns = run_query("select lower(schema_name || '.' || table_name || '.' || column_name) "
                                ~ "from duckdb_columns() where database_name = current_database()") -%}
    {%- for row in columns.rows -%}{%- do existing.update({row[0]: true}) -%}{%- endfor -%}
    {%- set statements = [] -%}
    {%- for node in built -%}
        {%- set kind = 'view' if node.config.materialized == 'view' else 'table' -%}
        {%- if node.description -%}
            {%- do statements.append('comment on ' ~ kind ~ ' ' ~ node.relation_name ~ ' is '
                                     ~ duckdb_escape_comment(node.description)) -%}
        {%- endif -%}
        {%- for name, column in node.columns.items()
                if column.description and (node.schema ~ '.' ~ node.alias ~ '.' ~ name) | lower in existing -%}
            {%- do statements.append('comment on column ' ~ node.relation_name ~ '.'
                                     ~ (adapter.quote(name) if column.quote else name) ~ ' is '
                                     ~ duckdb_escape_comment(column.description)) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if statements -%}
        {%- do run_query('begin;\n' ~ statements | join(';\n') ~ ';\ncommit') -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
