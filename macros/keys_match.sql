{#- The join condition of two relations on the same key columns:
    left.c1 = right.c1 and left.c2 = right.c2 ..., one per line (for an
    `on` indented by eight spaces). -#}
{% macro keys_match(left, right, key_columns) -%}
    {%- for column in key_columns -%}
        {{ left }}.{{ column }} = {{ right }}.{{ column }}
        {%- if not loop.last %}
        and {% endif -%}
    {%- endfor -%}
{%- endmacro %}
