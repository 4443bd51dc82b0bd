{#- The listed columns of a row as one JSON text: how quarantine_rows keeps every raw
    column of a quarantined record, whatever its table, so a reader can fix it at the source. -#}
{% macro json_record(alias, columns) -%}
    {{ return(adapter.dispatch('json_record')(alias, columns)) }}
{%- endmacro %}

{% macro default__json_record(alias, columns) -%}
    cast(json_build_object(
        {%- for col in columns %}
        '{{ col }}', {{ alias }}.{{ col }}{{ ',' if not loop.last }}
        {%- endfor %}
    ) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro duckdb__json_record(alias, columns) -%}
    cast(to_json(struct_pack(
        {%- for col in columns %}
        {{ col }} := {{ alias }}.{{ col }}{{ ',' if not loop.last }}
        {%- endfor %}
    )) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro bigquery__json_record(alias, columns) -%}
    to_json_string(struct(
        {%- for col in columns %}
        {{ alias }}.{{ col }} as {{ col }}{{ ',' if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}
