{#- A select of one row per month (column `month`, first day, a date) from
    start_month through end_month inclusive. Both are SQL date expressions on
    a month's first day. Engines differ in how they generate series. -#}
{% macro month_spine(start_month, end_month) -%}
    {{ return(adapter.dispatch('month_spine')(start_month, end_month)) }}
{%- endmacro %}

{% macro default__month_spine(start_month, end_month) -%}
    select cast(month_start as date) as month
    from generate_series(
        cast({{ start_month }} as timestamp),
        cast({{ end_month }} as timestamp),
        interval '1 month'
    ) as months (month_start)
{%- endmacro %}

{% macro duckdb__month_spine(start_month, end_month) -%}
    select cast(unnest(generate_series(
        cast({{ start_month }} as timestamp),
        cast({{ end_month }} as timestamp),
        interval '1 month'
    )) as date) as month
{%- endmacro %}

{% macro bigquery__month_spine(start_month, end_month) -%}
    select month
    from unnest(generate_date_array({{ start_month }}, {{ end_month }}, interval 1 month)) as month
{%- endmacro %}
