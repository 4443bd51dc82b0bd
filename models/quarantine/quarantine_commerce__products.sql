{#- Rows of raw_commerce.products that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_commerce__products') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_commerce.products' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.title as raw_title,
        base.category as raw_category,
        base.vendor as raw_vendor,
        base.price as raw_price,
        base.cost as raw_cost,
        base.created_at as raw_created_at,
        base.updated_at as raw_updated_at
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
