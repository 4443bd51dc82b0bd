{#- The union behind quarantine_rows: for every table of raw_contract(), its base model's rows
    that break a rule, with tenant, source table, record key, reason, load time and the raw record
    as JSON. -#}
{% macro contract_quarantine_union() -%}
with

{% for table_id, spec in raw_contract().items() -%}
{{ spec['base_model'] }} as (
    select
        base.tenant_id,
        cast('{{ table_id }}' as {{ dbt.type_string() }}) as source_table,
        {% if spec['key'] | length == 1 -%}
        cast(base.{{ spec['key'][0] }} as {{ dbt.type_string() }}) as record_id,
        {%- else -%}
        {%- set parts = [] -%}
        {%- for col in spec['key'] -%}
            {%- do parts.append("cast(base." ~ col ~ " as " ~ dbt.type_string() ~ ")") -%}
            {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
        {%- endfor -%}
        {{ dbt.concat(parts) }} as record_id,
        {%- endif %}
        base.quarantine_reason as reason,
        base._loaded_at,
        {{ json_record('base', spec['columns']) | indent(8) }} as raw_record
    from {{ ref(spec['base_model']) }} as base
    where base.quarantine_reason is not null
),

{% endfor -%}
all_rows as (
    {% for spec in raw_contract().values() -%}
    select * from {{ spec['base_model'] }}
    {% if not loop.last %}union all
    {% endif -%}
    {% endfor %}
)

select * from all_rows
{%- endmacro %}
