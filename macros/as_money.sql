{#- A money amount in major units with the marts' fixed scale: numeric(18, 4)
    on every engine, so sums and comparisons agree across DuckDB, Postgres and
    BigQuery. -#}
{% macro as_money(expression) -%}
    cast({{ expression }} as numeric(18, 4))
{%- endmacro %}
