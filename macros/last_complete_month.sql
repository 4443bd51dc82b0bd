{#- First day of the last complete month before as_of_date(): marts report
    months up to and including it. -#}
{% macro last_complete_month() -%}
    {{ dbt.dateadd('month', -1, dbt.date_trunc('month', as_of_date())) }}
{%- endmacro %}
