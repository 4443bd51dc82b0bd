{#- Rows of raw_billing.products that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_billing__products') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_billing.products' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.name as raw_name,
        base.product_line as raw_product_line,
        base.created_at as raw_created_at
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
