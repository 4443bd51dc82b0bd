{#- Rows of raw_billing.invoice_line_items that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_billing__invoice_line_items') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_billing.invoice_line_items' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.invoice_id as raw_invoice_id,
        base.subscription_id as raw_subscription_id,
        base.price_id as raw_price_id,
        base.type as raw_type,
        base.is_proration as raw_is_proration,
        base.quantity as raw_quantity,
        base.amount as raw_amount,
        base.discount_amount as raw_discount_amount,
        base.currency as raw_currency,
        base.period_start as raw_period_start,
        base.period_end as raw_period_end
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
