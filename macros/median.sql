{#- The median of an expression as an aggregate. Exact on DuckDB and
    Postgres; BigQuery has no exact median aggregate, so it uses
    approx_quantiles (documented as approximate there). -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro bigquery__median(expression) -%}
    approx_quantiles({{ expression }}, 2)[offset(1)]
{%- endmacro %}
