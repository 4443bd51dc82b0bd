{#- Rows of raw_commerce.order_items that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_commerce__order_items') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_commerce.order_items' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.order_id as raw_order_id,
        base.product_id as raw_product_id,
        base.quantity as raw_quantity,
        base.unit_price as raw_unit_price,
        base.discount as raw_discount
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
