{#- Rows of raw_commerce.orders that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_commerce__orders') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_commerce.orders' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.customer_id as raw_customer_id,
        base.order_number as raw_order_number,
        base.status as raw_status,
        base.currency as raw_currency,
        base.subtotal as raw_subtotal,
        base.discount_total as raw_discount_total,
        base.shipping_total as raw_shipping_total,
        base.tax_total as raw_tax_total,
        base.total as raw_total,
        base.channel as raw_channel,
        base.placed_at as raw_placed_at,
        base.cancelled_at as raw_cancelled_at,
        base.fulfilled_at as raw_fulfilled_at,
        base.updated_at as raw_updated_at
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
