{#- A date plus a whole number of days, as a date. dbt.dateadd goes through a timestamp (on
    Postgres an interval multiplied and added per row), which is several times dearer than date
    arithmetic where a model spreads millions of rows over days; DuckDB and Postgres add days to a
    date directly (DuckDB's date + integer needs a 32-bit integer). Other engines: dbt.dateadd. -#}
{% macro add_days(date_expression, days) -%}
    {{ return(adapter.dispatch('add_days')(date_expression, days)) }}
{%- endmacro %}

{% macro default__add_days(date_expression, days) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}

{% macro postgres__add_days(date_expression, days) -%}
    ({{ date_expression }} + cast({{ days }} as integer))
{%- endmacro %}

{% macro duckdb__add_days(date_expression, days) -%}
    ({{ date_expression }} + cast({{ days }} as integer))
{%- endmacro %}
