{#- An md5 hash of the given columns. Each value is written as <length>:<text>
    (null as n:), a prefix-free encoding, so no two different tuples hash the
    same input: ('a|', 'b') and ('a', '|b') differ, and so do null and ''.
    Same output on every engine. -#}
{% macro surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for col in columns -%}
        {%- set text = "cast(" ~ col ~ " as " ~ dbt.type_string() ~ ")" -%}
        {%- do parts.append("coalesce(cast(" ~ dbt.length(text) ~ " as " ~ dbt.type_string() ~ "), 'n')") -%}
        {%- do parts.append("':'") -%}
        {%- do parts.append("coalesce(" ~ text ~ ", '')") -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
