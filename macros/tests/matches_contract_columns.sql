{#- Holds a landed raw table to the columns its source YAML declares (the raw
    contract). A declared column missing from the table stops the build with one
    line naming table and column (before any model reads it: dbt build runs a
    source's tests first and skips what is downstream of an error). Columns the
    source added are kept and returned as rows, one per column: applied with
    severity warn, so schema drift is reported, never fatal. -#}
{% test matches_contract_columns(model) %}

{%- set declared = [] -%}
{%- if execute -%}
    {%- for node in graph.sources.values() -%}
        {%- if node.schema | lower == model.schema | lower and node.identifier | lower == model.identifier | lower -%}
            {%- for name in node.columns -%}
                {%- do declared.append(name | lower) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}
{%- set landed = [] -%}
{#- only when the test runs: `dbt compile` (offline BigQuery included) must not query the warehouse -#}
{%- if execute and flags.WHICH in ('build', 'test', 'retry') -%}
    {%- for col in adapter.get_columns_in_relation(model) -%}
        {%- do landed.append(col.name | lower) -%}
    {%- endfor -%}
    {%- for name in declared -%}
        {%- if name not in landed -%}
            {{ exceptions.raise_compiler_error(
                model.schema ~ "." ~ model.identifier ~ " lacks contract column '" ~ name
                ~ "' (docs/contracts/raw_sources.yml): reload it with that column, nothing downstream was built") }}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}
{%- set extra = [] -%}
{%- for name in landed -%}
    {%- if name not in declared and declared | length > 0 -%}{%- do extra.append(name) -%}{%- endif -%}
{%- endfor -%}

{%- if extra | length == 0 %}
select cast(null as {{ dbt.type_string() }}) as undeclared_column
where 1 = 0
{%- else -%}
{%- for name in extra %}
select cast('{{ name }}' as {{ dbt.type_string() }}) as undeclared_column
{% if not loop.last %}union all{% endif %}
{%- endfor -%}
{%- endif %}

{% endtest %}
