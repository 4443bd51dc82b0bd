{#- Seconds from one timestamp to a later one, with milliseconds kept, as a
    double, on every engine. dbt's datediff at 'second' counts clock-second
    boundaries (10:00:00.9 to 10:00:01.1 is 1 second on DuckDB and Postgres,
    0 on BigQuery); at 'millisecond' the engines agree, so it counts those. -#}
{% macro seconds_between(start_timestamp, end_timestamp) -%}
    cast({{ dbt.datediff(start_timestamp, end_timestamp, 'millisecond') }} as {{ type_double() }}) / 1000.0
{%- endmacro %}
