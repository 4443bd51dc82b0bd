{#- Postgres: memory for the sorts and hashes of the model being built (this transaction only).
    The default (4MB) sends an aggregate over tens of millions of groups to disk in batches;
    models that build one set it as a pre-hook. Other engines manage their memory themselves. -#}
{% macro large_work_mem() -%}
    {%- if target.type == 'postgres' -%}
        set local work_mem = '{{ var("postgres_large_work_mem", "256MB") }}'
    {%- endif -%}
{%- endmacro %}
