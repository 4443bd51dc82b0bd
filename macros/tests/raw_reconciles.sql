{#- Nothing lost, nothing double-counted between raw and staging + quarantine:
    distinct keys in raw = rows in staging + distinct quarantined keys, and raw
    rows with a null key = quarantined rows with a null key. Returns one row per
    failed equation, per tenant.
    The quarantined rows are read from the table's base model (quarantine_rows is
    their union, generated from the same contract) and not from quarantine_rows:
    every parent of this test is then an ancestor of the staging model, so in
    `dbt build` a failure here skips everything downstream of the staging model
    (dbt only blocks descendants of all of a test's parents). -#}
{% test raw_reconciles(model, source_relation, base_relation, key_columns) %}

{%- set key_parts = [] -%}
{%- for col in key_columns -%}
    {%- do key_parts.append("cast(" ~ col ~ " as " ~ dbt.type_string() ~ ")") -%}
    {%- if not loop.last -%}{%- do key_parts.append("'|'") -%}{%- endif -%}
{%- endfor -%}
{%- set raw_key = dbt.concat(key_parts) if key_columns | length > 1 else key_parts[0] -%}

with

raw_rows as (
    select
        tenant_id,
        count(distinct {{ raw_key }}) as raw_keys,
        sum(case when {{ raw_key }} is null then 1 else 0 end) as raw_null_key_rows
    from {{ source_relation }}
    group by tenant_id
),

staged as (
    select tenant_id, count(*) as staged_rows
    from {{ model }}
    group by tenant_id
),

quarantined as (
    select
        tenant_id,
        count(distinct {{ raw_key }}) as quarantined_keys,
        sum(case when {{ raw_key }} is null then 1 else 0 end) as quarantined_null_key_rows
    from {{ base_relation }}
    where quarantine_reason is not null
    group by tenant_id
),

compared as (
    select
        raw_rows.tenant_id,
        raw_rows.raw_keys,
        coalesce(staged.staged_rows, 0) as staged_rows,
        coalesce(quarantined.quarantined_keys, 0) as quarantined_keys,
        raw_rows.raw_null_key_rows,
        coalesce(quarantined.quarantined_null_key_rows, 0) as quarantined_null_key_rows
    from raw_rows
    left join staged on raw_rows.tenant_id = staged.tenant_id
    left join quarantined on raw_rows.tenant_id = quarantined.tenant_id
)

select *
from compared
where
    raw_keys != staged_rows + quarantined_keys
    or raw_null_key_rows != quarantined_null_key_rows

{% endtest %}
