{#- The p-th percentile (0 < p < 1) of an expression as an aggregate, between
    values as percentile_cont interpolates. Exact on DuckDB and Postgres;
    BigQuery has no exact percentile aggregate, so it uses approx_quantiles at
    hundredths (approximate there, as median() is). -#}
{% macro percentile(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro bigquery__percentile(expression, fraction) -%}
    approx_quantiles({{ expression }}, 100)[offset({{ (fraction * 100) | round | int }})]
{%- endmacro %}
