{#- Refresh planner statistics of the table just built. Postgres plans joins
    on freshly created tables blind until autovacuum gets to them (a 2-minute
    nested loop instead of a 2-second hash join at scale 1); DuckDB and
    BigQuery need nothing. Used as a post-hook on every table. -#}
{% macro analyze_table() -%}
    {{ return(adapter.dispatch('analyze_table')()) }}
{%- endmacro %}

{% macro default__analyze_table() -%}
{%- endmacro %}

{% macro postgres__analyze_table() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
