{#- First day of the last complete month before as_of_date(): the latest month for which
    is_complete_period(month, 'month') holds (tests/dbt/assert_last_complete_month_is_the_latest_complete_month.sql).
    Month-grain marts that stop at the last complete month stop here. -#}
{% macro last_complete_month() -%}
    {{ dbt.dateadd('month', -1, dbt.date_trunc('month', as_of_date())) }}
{%- endmacro %}
