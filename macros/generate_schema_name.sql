{#- Custom schemas are used as given (staging, marts, ...), not prefixed with the
    target schema: the mart contract promises analysts a schema called `marts`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
