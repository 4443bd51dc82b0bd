{#- Every quarantined raw row, one union over the raw contract (raw_contract(), generated from
    docs/contracts/raw_sources.yml): tenant, source table, record key, the rule it broke, load
    time, and the whole raw record as JSON (raw_record) to fix it at the source. Nothing here
    reaches staging or the marts. A table added to the contract appears here with no edit. -#}

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
