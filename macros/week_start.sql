{#- Monday of the ISO week of a date, on every engine (BigQuery's week
    otherwise starts on Sunday). -#}
{% macro week_start(date_expression) -%}
    {{ return(adapter.dispatch('week_start')(date_expression)) }}
{%- endmacro %}

{% macro default__week_start(date_expression) -%}
    cast({{ dbt.date_trunc('week', date_expression) }} as date)
{%- endmacro %}

{% macro bigquery__week_start(date_expression) -%}
    date_trunc(cast({{ date_expression }} as date), week(monday))
{%- endmacro %}
