{#- The latest `column` value already held by the incremental model being built: a run reads only
    rows loaded after it. One home for the watermark rule the clickstream models share. -#}
{% macro incremental_watermark(column='_loaded_at') -%}
    (select max({{ column }}) from {{ this }})
{%- endmacro %}
